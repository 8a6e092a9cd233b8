package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.Http3Client;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HTTP/3 a hostile client writes by hand on QUIC streams: frames of unknown types, endless or split across
 * packets, on request streams and the control stream, and a QPACK encoder stream that never ends its
 * instruction. What the gateway holds stays bounded, nothing is logged as an error, other requests go on.
 */
class QuicHostileClientTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  /** Sent in each flood: without a bound the gateway would hold all of it. */
  static final long FLOOD = 96L << 20;
  /** What the gateway may still hold once a flood has been read: buffers and caches, not the frame. */
  static final long KEPT_LIMIT = 8L << 20;

  final List<LogRecord> errors = new CopyOnWriteArrayList<>();
  final Handler errorLog = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
        errors.add(r);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  int port;
  Member a;
  io.gatehouse.testkit.GatewayHarness gw;

  @BeforeEach
  void start() {
    a = gateway.backends().http("a");
    port = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"h3","protocol":"QUIC","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "client_timeout":4,
                      "tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, members(a)));
    Logger.getLogger("").addHandler(errorLog);
  }

  @AfterEach
  void stopLog() {
    Logger.getLogger("").removeHandler(errorLog);
  }

  /**
   * Direct memory the gateway's Netty channels hold: they allocate from {@link ByteBufAllocator#DEFAULT}, while the
   * test's HTTP/3 client has an allocator of its own ({@link Http3Client#ALLOCATOR}), so the client's buffers are not
   * counted with the gateway's.
   */
  static long gatewayDirectMemory() {
    return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
  }

  /** A frame header: a reserved ("grease") type, 0x40, announcing 2^31-1 bytes of payload. */
  static final byte[] ENDLESS_RESERVED_FRAME =
      {0x40, 0x40, (byte) 0xC0, 0, 0, 0, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

  /** The streams a client can flood: a request stream it opens, and its control stream. */
  enum FloodedStream { REQUEST, CONTROL }

  @ParameterizedTest
  @EnumSource(FloodedStream.class)
  void anEndlessFrameOfAReservedTypeIsNotKept(FloodedStream kind) throws Exception {
    try (Http3Client h3 = Http3Client.connect(port, Duration.ofSeconds(60))) {
      if (kind == FloodedStream.REQUEST) {
        QuicStreamChannel raw = h3.connection().createStream(QuicStreamType.BIDIRECTIONAL,
            new ChannelInboundHandlerAdapter()).get(10, TimeUnit.SECONDS);
        assertFloodIsNotKept(raw, raw);
      } else {
        Await.until(Duration.ofSeconds(5), () -> Http3.getLocalControlStream(h3.connection()) != null,
            "the client's control stream is open");
        QuicStreamChannel control = Http3.getLocalControlStream(h3.connection());
        // written past the client's own codec: the bytes a hostile client puts on its control stream
        assertFloodIsNotKept(control, control.pipeline().firstContext());
      }
      assertEquals(200, h3.get("/after").status(), "the connection's other requests go on");
      assertTrue(errors.isEmpty(), () -> "logged: " + errors.get(0).getMessage());
    }
  }

  @Test
  void framesOfUnknownTypesSplitAcrossPacketsAreSkippedWithoutErrors() throws Exception {
    try (Http3Client h3 = Http3Client.connect(port)) {
      for (int i = 0; i < 20; i++) {
        QuicStreamChannel raw = h3.connection().createStream(QuicStreamType.BIDIRECTIONAL,
            new ChannelInboundHandlerAdapter()).get(10, TimeUnit.SECONDS);
        // type 0x21 (not reserved, not defined), 200 000 bytes: more than one packet
        raw.write(Unpooled.wrappedBuffer(new byte[] {0x21, (byte) 0x80, 0x03, 0x0D, 0x40}));
        raw.writeAndFlush(Unpooled.wrappedBuffer(new byte[200_000])).sync();
      }
      assertEquals(200, h3.get("/after").status(), "the connection goes on");
      assertTrue(errors.isEmpty(), () -> "logged: " + errors.get(0).getMessage());
    }
  }

  @Test
  void aQpackEncoderStreamThatNeverEndsItsInstructionClosesTheConnection() throws Exception {
    try (Http3Client h3 = Http3Client.connect(port, Duration.ofSeconds(60))) {
      QuicStreamChannel encoder = h3.connection().createStream(QuicStreamType.UNIDIRECTIONAL,
          new ChannelInboundHandlerAdapter()).get(10, TimeUnit.SECONDS);
      // stream type 0x02, then Insert With Literal Name whose name is 2^28 bytes long (and never ends)
      encoder.writeAndFlush(Unpooled.wrappedBuffer(
          new byte[] {0x02, 0x5F, (byte) 0xE1, (byte) 0xFF, (byte) 0xFF, 0x7F})).sync();
      long sent = flood(encoder, encoder, 8L << 20);
      Await.until(Duration.ofSeconds(10), () -> !h3.connection().isActive(),
          "the connection is closed (QPACK_ENCODER_STREAM_ERROR); sent " + sent);
    }
  }

  @Test
  void garbageAndTruncatedInitialsAreDroppedQuietlyAndAnswerNoMoreThanTheyCarried() throws Exception {
    java.util.Random random = new java.util.Random(19);
    long sent = 0;
    long answered = 0;
    try (java.net.DatagramSocket udp = new java.net.DatagramSocket()) {
      udp.setSoTimeout(1);
      java.net.InetSocketAddress to = new java.net.InetSocketAddress("127.0.0.1", port);
      byte[] in = new byte[2048];
      for (int i = 0; i < 3000; i++) {
        byte[] d = new byte[i % 3 == 0 ? 1200 : 1 + random.nextInt(60)];
        random.nextBytes(d);
        if (i % 3 != 2) {
          // a QUIC v1 Initial's first bytes (long header, type 0, version 1), then garbage or nothing
          d[0] = (byte) 0xC3;
          if (d.length >= 5) {
            d[1] = 0;
            d[2] = 0;
            d[3] = 0;
            d[4] = 1;
          }
        }
        udp.send(new java.net.DatagramPacket(d, d.length, to));
        sent += d.length;
        try {
          java.net.DatagramPacket answer = new java.net.DatagramPacket(in, in.length);
          udp.receive(answer);
          answered += answer.getLength();
        } catch (java.net.SocketTimeoutException e) {
          // nothing to read now
        }
      }
    }
    assertTrue(answered <= 3 * sent, "answered " + answered + " bytes to " + sent);
    try (Http3Client h3 = Http3Client.connect(port)) {
      assertEquals(200, h3.get("/after").status(), "the listener still serves");
    }
    assertTrue(errors.isEmpty(), () -> "logged: " + errors.get(0).getMessage());
  }

  @Test
  void aClientCancellingItsUploadIsNotAnErrorAndTheMemberNeverSeesTheBodyEnd() throws Exception {
    java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger cut = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
    io.vertx.core.http.HttpServer member = gateway.backends().vertx().createHttpServer().requestHandler(req -> {
      req.handler(b -> received.addAndGet(b.length()));
      req.exceptionHandler(e -> cut.incrementAndGet());
      req.endHandler(v -> {
        ended.incrementAndGet();
        req.response().end("whole");
      });
    });
    io.gatehouse.testkit.Sync.await(member.listen(0, "127.0.0.1"));
    int h3port = TestPorts.free();
    io.gatehouse.testkit.GatewayHarness own = gateway.start("{" + head() + """
        "listeners":[{"name":"h3","protocol":"QUIC","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "client_timeout":4,
                      "tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
        """.formatted(h3port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, member.actualPort()));
    try (Http3Client h3 = Http3Client.connect(h3port)) {
      for (int i = 0; i < 5; i++) {
        long before = received.get();
        QuicStreamChannel stream = Http3.newRequestStream(h3.connection(), new ChannelInboundHandlerAdapter())
            .get(10, TimeUnit.SECONDS);
        var head = new io.netty.handler.codec.http3.DefaultHttp3HeadersFrame();
        head.headers().method("POST").path("/upload").scheme("https").authority("127.0.0.1");
        stream.write(head);
        stream.writeAndFlush(new io.netty.handler.codec.http3.DefaultHttp3DataFrame(
            Unpooled.wrappedBuffer(new byte[100_000]))).sync();
        Await.until(Duration.ofSeconds(5), () -> received.get() - before >= 100_000, "the member gets the bytes");
        // the client gives up: RESET_STREAM (and STOP_SENDING) with H3_REQUEST_CANCELLED
        stream.shutdown(0x010c).sync();
      }
      Await.until(Duration.ofSeconds(5), () -> cut.get() == 5, () -> "the member's requests cut: " + cut.get());
      assertEquals(0, ended.get(), "a cancelled upload never reaches the member as whole");
      assertTrue(own.awaitAccessLog("path=/upload").contains("end=client_closed"), "logged as the client's doing");
      assertEquals(200, h3.get("/after").status());
      assertTrue(errors.isEmpty(), () -> "logged: " + errors.get(0).getMessage() + " " + errors.get(0).getThrown());
    } finally {
      io.gatehouse.testkit.Sync.await(member.close());
    }
  }

  @Test
  /**
   * Netty QUIC 4.2.12 gives no event for a received STOP_SENDING and leaves the stream's queued writes pending, so
   * the gateway sees a client that stopped reading: the stall timer ends each exchange after client_timeout (4 s
   * here), as for an HTTP/1 client that stops reading, even while the client keeps the connection busy.
   */
  void aClientThatStopsTheResponseWithStopSendingIsEndedByTheStallTimer() throws Exception {
    try (Http3Client h3 = Http3Client.connect(port)) {
      for (int i = 0; i < 3; i++) {
        QuicStreamChannel stream = Http3.newRequestStream(h3.connection(), new ChannelInboundHandlerAdapter())
            .get(10, TimeUnit.SECONDS);
        var head = new io.netty.handler.codec.http3.DefaultHttp3HeadersFrame();
        head.headers().method("GET").path("/download/" + (1L << 30)).scheme("https").authority("127.0.0.1");
        long before = a.sent.get();
        stream.writeAndFlush(head).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT).sync();
        Await.until(Duration.ofSeconds(5), () -> a.sent.get() > before, "the response starts");
        // STOP_SENDING with H3_REQUEST_CANCELLED: the client wants no more of the response
        stream.shutdownInput(0x010c).sync();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (gw.accessLogLines("path=/download/").size() < 3 && System.nanoTime() < deadline) {
        assertEquals(200, h3.get("/busy").status()); // the connection stays busy: QUIC's idle timeout never ends it
        Thread.sleep(300); // paces the busy requests; the loop's condition is what waits
      }
      List<String> ended = gw.accessLogLines("path=/download/");
      assertEquals(3, ended.size(), () -> "exchanges ended: " + ended);
      ended.forEach(line -> assertTrue(line.contains("end=client_timeout"), line));
      assertEquals(200, h3.get("/after").status());
      assertTrue(errors.isEmpty(), () -> "logged: " + errors.get(0).getMessage() + " " + errors.get(0).getThrown());
    }
  }

  /**
   * Writes {@link #ENDLESS_RESERVED_FRAME}'s header, then {@link #FLOOD} bytes of its payload: the gateway reads them
   * all, and within a few seconds holds no more than {@link #KEPT_LIMIT} beyond what it held before. A gateway that
   * keeps the frame holds tens of MiB of it as long as the stream is open (21-65 MiB of 96 before Http3StreamGuard);
   * one that drops it, about 1 MiB. The level is awaited for the packets still in flight when the last write ends.
   */
  void assertFloodIsNotKept(QuicStreamChannel stream, ChannelOutboundInvoker writer) throws Exception {
    long before = gatewayDirectMemory();
    writer.writeAndFlush(Unpooled.wrappedBuffer(ENDLESS_RESERVED_FRAME)).sync();
    assertEquals(FLOOD, flood(stream, writer, FLOOD), "the gateway reads what the client sends");
    Await.until(Duration.ofSeconds(10), () -> gatewayDirectMemory() - before < KEPT_LIMIT,
        () -> "the gateway keeps " + ((gatewayDirectMemory() - before) >> 20) + " MiB of the " + (FLOOD >> 20)
            + " MiB flood");
  }

  /**
   * Writes up to {@code total} bytes as the stream's flow control allows, for at most 60 s; what was written. The
   * chunks are the client's own direct buffers, and at most 16 are queued at a time (write futures are awaited, since
   * a stream's writability does not count writes still queued for its event loop), so the client's side of the flood
   * stays small and is never counted as the gateway's.
   */
  static long flood(QuicStreamChannel stream, ChannelOutboundInvoker writer, long total) throws InterruptedException {
    byte[] chunk = new byte[64 * 1024];
    long sent = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    ChannelFuture last = null;
    while (sent < total && stream.isActive() && System.nanoTime() < deadline) {
      last = writer.writeAndFlush(Http3Client.ALLOCATOR.directBuffer(chunk.length).writeBytes(chunk));
      sent += chunk.length;
      if (sent % (16L * chunk.length) == 0 && !last.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        break;
      }
    }
    if (last != null) {
      last.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    return sent;
  }
}
