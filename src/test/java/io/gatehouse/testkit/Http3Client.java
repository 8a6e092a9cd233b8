package io.gatehouse.testkit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTP/3 client for tests: Netty's QUIC and HTTP/3 codecs on a UDP socket of its own, trusting any
 * certificate (the tests check what the gateway forwards, not its certificate). One QUIC connection; each request
 * is a stream of it, so many may run at once.
 */
public final class Http3Client implements AutoCloseable {

  private static final int CHUNK = 64 * 1024;

  private final EventLoopGroup group;
  private final Channel udp;
  private final QuicChannel quic;
  private final int port;

  /** A response: status, headers, the whole body. */
  public record Response(int status, Http3Headers headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String name) {
      CharSequence v = headers.get(name);
      return v == null ? null : v.toString();
    }
  }

  private Http3Client(EventLoopGroup group, Channel udp, QuicChannel quic, int port) {
    this.group = group;
    this.udp = udp;
    this.quic = quic;
    this.port = port;
  }

  /**
   * The client's own allocator (direct buffers freed by their cleaners, not counted by Netty's direct-memory
   * counter): tests that measure the gateway's memory read {@code ByteBufAllocator.DEFAULT} without the client in it.
   */
  public static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(true, false, false);

  /** Connects to 127.0.0.1:{@code port}; fails when no handshake completes within {@code limit}. */
  public static Http3Client connect(int port, Duration limit) throws Exception {
    return connect(port, limit, null);
  }

  /** The same, asking for {@code serverName} by SNI (null: none). */
  public static Http3Client connect(int port, Duration limit, String serverName) throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel udp = null;
    try {
      QuicSslContext ssl = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
          .applicationProtocols(Http3.supportedApplicationProtocols()).build();
      ChannelHandler codec = Http3.newQuicClientCodecBuilder()
          .sslEngineProvider(q -> ssl.newEngine(q.alloc(), serverName == null ? "127.0.0.1" : serverName, port))
          .maxIdleTimeout(limit.toMillis(), TimeUnit.MILLISECONDS)
          .initialMaxData(64L << 20).initialMaxStreamDataBidirectionalLocal(16L << 20)
          .initialMaxStreamDataBidirectionalRemote(16L << 20).initialMaxStreamsBidirectional(1000).build();
      udp = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
          .option(ChannelOption.ALLOCATOR, ALLOCATOR)
          .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
      QuicChannel quic = QuicChannel.newBootstrap(udp).handler(new Http3ClientConnectionHandler())
          .option(ChannelOption.ALLOCATOR, ALLOCATOR).streamOption(ChannelOption.ALLOCATOR, ALLOCATOR)
          .remoteAddress(new InetSocketAddress("127.0.0.1", port)).connect()
          .get(limit.toMillis() + 1000, TimeUnit.MILLISECONDS);
      return new Http3Client(group, udp, quic, port);
    } catch (Exception | Error e) {
      if (udp != null) {
        // closes the connection attempt with it: its connection IDs are released then, not left to the GC
        udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public static Http3Client connect(int port) throws Exception {
    return connect(port, Duration.ofSeconds(10));
  }

  public QuicChannel connection() {
    return quic;
  }

  /** The key algorithm of the certificate the server presented ({@code RSA}, {@code EC}). */
  public String serverKeyAlgorithm() throws javax.net.ssl.SSLPeerUnverifiedException {
    return quic.sslEngine().getSession().getPeerCertificates()[0].getPublicKey().getAlgorithm();
  }

  /** The subject of the certificate the server presented. */
  public String serverCertificateSubject() throws javax.net.ssl.SSLPeerUnverifiedException {
    return ((java.security.cert.X509Certificate) quic.sslEngine().getSession().getPeerCertificates()[0])
        .getSubjectX500Principal().getName();
  }

  public Response get(String path) throws Exception {
    return await(send("GET", path, Map.of(), null));
  }

  /** Sends a request; {@code body} null: none (the stream ends with the head). */
  public CompletableFuture<Response> send(String method, String path, Map<String, String> headers, byte[] body) {
    CompletableFuture<Response> done = new CompletableFuture<>();
    Http3.newRequestStream(quic, new Collector(done)).addListener(f -> {
      if (!f.isSuccess()) {
        done.completeExceptionally(f.cause());
        return;
      }
      QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
      Http3HeadersFrame head = new DefaultHttp3HeadersFrame();
      head.headers().method(method).path(path).scheme("https").authority("127.0.0.1:" + port);
      headers.forEach((k, v) -> head.headers().add(k, v));
      if (body == null || body.length == 0) {
        stream.writeAndFlush(head).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        return;
      }
      stream.write(head);
      io.netty.channel.ChannelFuture last = null;
      for (int at = 0; at < body.length; at += CHUNK) {
        last = stream.writeAndFlush(
            new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(body, at, Math.min(CHUNK, body.length - at))));
      }
      last.addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    });
    return done;
  }

  /** A GET whose response is never read: the stream stops reading, so the client's flow-control window fills. */
  public void openUnread(String path) throws Exception {
    QuicStreamChannel stream = Http3.newRequestStream(quic, new Collector(new CompletableFuture<>()))
        .get(10, TimeUnit.SECONDS);
    stream.config().setAutoRead(false);
    Http3HeadersFrame head = new DefaultHttp3HeadersFrame();
    head.headers().method("GET").path(path).scheme("https").authority("127.0.0.1:" + port);
    stream.writeAndFlush(head).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
  }

  public static Response await(CompletableFuture<Response> f) throws Exception {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception c ? c : e;
    } catch (TimeoutException e) {
      throw new AssertionError("no HTTP/3 response within 30 s", e);
    }
  }

  @Override
  public void close() {
    quic.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** Gathers one response; a reset stream or closed connection fails it. */
  private static final class Collector extends Http3RequestStreamInboundHandler {
    private final CompletableFuture<Response> done;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private Http3Headers headers;

    Collector(CompletableFuture<Response> done) {
      this.done = done;
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
      if (headers == null) {
        headers = frame.headers(); // later ones are trailers
      }
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
      try {
        body.write(ByteBufUtil.getBytes(frame.content()), 0, frame.content().readableBytes());
      } finally {
        frame.release();
      }
    }

    @Override
    protected void channelInputClosed(ChannelHandlerContext ctx) {
      if (headers == null) {
        done.completeExceptionally(new IllegalStateException("stream ended without a response head"));
      } else {
        done.complete(new Response(Integer.parseInt(headers.status().toString()), headers, body.toByteArray()));
      }
      ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      done.completeExceptionally(cause);
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      done.completeExceptionally(new IllegalStateException("stream closed without a whole response"));
      ctx.fireChannelInactive();
    }
  }
}
