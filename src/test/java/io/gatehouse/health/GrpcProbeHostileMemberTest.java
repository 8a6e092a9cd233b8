package io.gatehouse.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Sync;
import io.gatehouse.tls.MemberTls;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * GRPC probes against members that answer Health/Check with hostile bytes, over real h2c connections: each probe
 * ends, down, with the reason, within its timeout, and the event loop stays free.
 */
class GrpcProbeHostileMemberTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final Vertx vertx = Vertx.vertx();
  private final Backends backends = new Backends();

  @AfterEach
  void close() {
    backends.close();
    Sync.await(vertx.close());
  }

  @Test
  void aNegativeFieldLengthIsMalformedNotAnEndlessLoop() {
    // field 2, length-delimited, its length a 10-byte varint of -11: it would move the reader back onto its own key
    byte[] message = {0x12, (byte) 0xf5, -1, -1, -1, -1, -1, -1, -1, -1, 0x01};
    ProbeResult r = probe(req -> answer(req, Buffer.buffer().appendByte((byte) 0).appendInt(message.length)
        .appendBytes(message)));
    assertEquals("malformed HealthCheckResponse: truncated field", r.reason());
  }

  @Test
  void aCompressedAnswerAndAGiantLengthPrefixAreMalformed() {
    ProbeResult compressed = probe(req -> answer(req, Buffer.buffer().appendByte((byte) 1).appendInt(2)
        .appendBytes(new byte[] {0x08, 0x01})));
    assertEquals("malformed HealthCheckResponse: compressed message", compressed.reason());
    ProbeResult giant = probe(req -> answer(req, Buffer.buffer().appendByte((byte) 0).appendInt(-1)
        .appendBytes(new byte[] {0x08, 0x01})));
    assertEquals("malformed HealthCheckResponse: truncated message", giant.reason());
  }

  @Test
  void anEndlessAnswerEndsAtTheTimeout() {
    Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
    ProbeResult r = probe(req -> {
      req.response().setChunked(true).putHeader("content-type", "application/grpc");
      req.response().write(Buffer.buffer().appendByte((byte) 0).appendInt(Integer.MAX_VALUE));
      vertx.setPeriodic(5, id -> {
        if (req.response().closed()) {
          vertx.cancelTimer(id);
        } else if (!req.response().writeQueueFull()) {
          req.response().write(chunk);
        }
      });
    });
    assertEquals("timeout after 2 s", r.reason());
  }

  @Test
  void aPortThatSpeaksOnlyHttp11IsDownWithoutWaitingForTheTimeout() {
    Backends.Member h1 = backends.tcp("h1", so -> so.handler(ignored -> so.end(Buffer.buffer(
        "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"))));
    Probe probe = new ProbeClients(vertx).grpcProbe("", false, MemberTls::insecure);
    ProbeResult r = Sync.await(probe.run(SocketAddress.inetSocketAddress(h1.port(), "127.0.0.1"), TIMEOUT),
        TIMEOUT.plusSeconds(3));
    assertTrue(!r.up(), "down: " + r);
    assertTrue(!r.reason().startsWith("timeout"), r.reason());
  }

  private static void answer(HttpServerRequest req, Buffer body) {
    req.response().putHeader("content-type", "application/grpc").putTrailer("grpc-status", "0").end(body);
  }

  /** One probe of a member answering with {@code handler}; it must end within the timeout and a little. */
  private ProbeResult probe(Consumer<HttpServerRequest> handler) {
    Backends.Member m = backends.http("hostile", false, handler);
    Probe probe = new ProbeClients(vertx).grpcProbe("", false, MemberTls::insecure);
    ProbeResult r = Sync.await(probe.run(SocketAddress.inetSocketAddress(m.port(), "127.0.0.1"), TIMEOUT),
        TIMEOUT.plusSeconds(3));
    assertTrue(!r.up(), "down: " + r);
    return r;
  }
}
