package io.gatehouse.vertx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.TestVertx;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.epoll.EpollChannelConfig;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Vertx;
import io.vertx.core.impl.transports.EpollTransport;
import io.vertx.core.impl.transports.IoUringTransport;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the gateway relies on in Vert.x's internals, checked on the transport under test (epoll, or NIO in the
 * suite's second run): a Vert.x upgrade that moves any of it fails here, by name, rather than somewhere in a
 * reload. The decoder hooks are checked by {@code StrictRequestDecoderTest}.
 */
@ExtendWith(VertxExtension.class)
class VertxInternalsTest {

  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = TestVertx.create();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A TCP server answering each connection with its name and a newline. */
  private NetServer named(String name, int port) throws Exception {
    return vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(port).setReusePort(true))
        .connectHandler(s -> s.write(name + "\n"))
        .listen().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aServerHandedAnAddressBindsBesideTheOldOneAndTakesItOver(VertxTestContext test) throws Exception {
    int port = TestPorts.free();
    named("old", port);
    assertTrue(SharedServers.bound(vertx, "127.0.0.1", port), "Vert.x's table of shared servers changed");
    SharedServers.Handover handover = SharedServers.handOver(vertx, "127.0.0.1", port);
    named("new", port); // its own socket: joined to the old one, it would answer "old" half the time
    handover.bound();
    handover.closeOld().onComplete(test.succeedingThenComplete());
    assertTrue(test.awaitCompletion(10, TimeUnit.SECONDS));
    // blocking clients on the test's thread: the servers answer on the Vert.x event loop
    for (int i = 0; i < 20; i++) {
      try (TcpClient c = TcpClient.connect(port)) {
        assertEquals("new", c.readLine());
      }
    }
    assertTrue(SharedServers.bound(vertx, "127.0.0.1", port), "the new server is not back in the table");
  }

  /**
   * The transport puts the gate registered for an address on the listening socket: it sees each accepted connection
   * before Vert.x does (no connect handler, no TLS), and what it refuses is closed with nothing sent.
   */
  @Test
  void aGateSeesEachConnectionBeforeVertxAndClosesWhatItRefuses() throws Exception {
    int port = TestPorts.free();
    AtomicInteger asked = new AtomicInteger();
    AtomicInteger handled = new AtomicInteger();
    assertTrue(AcceptGates.register(vertx, "127.0.0.1", port, ch -> asked.incrementAndGet() % 2 == 0));
    vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(port))
        .connectHandler(s -> s.write(handled.incrementAndGet() + "\n"))
        .listen().await(10, TimeUnit.SECONDS);
    try (TcpClient refused = TcpClient.connect(port)) {
      assertTrue(refused.closedWithNothingSent());
    }
    try (TcpClient admitted = TcpClient.connect(port)) {
      assertEquals("1", admitted.readLine());
    }
    assertEquals(2, asked.get());
    assertEquals(1, handled.get());
  }

  @Test
  void aGracefulShutdownFiresTheEventTheHttpGuardHoldsBack(VertxTestContext test) throws Exception {
    int port = TestPorts.free();
    List<Object> seen = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .connectionHandler(conn -> Channels.of(conn).pipeline().addFirst(new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            seen.add(evt);
            ctx.fireUserEventTriggered(evt);
          }
        }))
        .requestHandler(req -> req.response().end())
        .listen().await(10, TimeUnit.SECONDS);
    try (TcpClient c = TcpClient.connect(port)) {
      c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertTrue(c.readLine().startsWith("HTTP/1.1 200"));
      server.shutdown(1, TimeUnit.SECONDS).onComplete(test.succeeding(v -> test.verify(() -> {
        assertTrue(seen.stream().anyMatch(VertxEvents::isShutdown), "no shutdown event among " + seen);
        test.completeNow();
      })));
      assertTrue(test.awaitCompletion(10, TimeUnit.SECONDS));
    }
  }
  /**
   * An HTTP connection's Vert.x handler holds the function that made the connection (and through it the server's
   * per-connection initializer) until told to let go: what {@link VertxHandlerFactory} clears stops being held,
   * for as long as the connection stays open, and the connection still serves requests.
   */
  @Test
  void anHttpConnectionLetsGoOfItsSpentFactory() throws Exception {
    int port = TestPorts.free();
    List<Boolean> held = new CopyOnWriteArrayList<>();
    vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .connectionHandler(conn -> {
          try {
            held.add(VertxHandlerFactory.holdsFactory(Channels.of(conn)));
            VertxHandlerFactory.release(Channels.of(conn));
            held.add(VertxHandlerFactory.holdsFactory(Channels.of(conn)));
          } catch (IllegalAccessException e) {
            held.add(null);
          }
        })
        .requestHandler(req -> req.response().end("ok"))
        .listen().await(10, TimeUnit.SECONDS);
    try (TcpClient c = TcpClient.connect(port)) {
      for (int i = 0; i < 2; i++) { // keep-alive: the second request on the connection after the release
        c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(c.readLine().startsWith("HTTP/1.1 200"));
        while (!c.readLine().isBlank()) {
          // the response head
        }
        assertEquals("ok", new String(c.readExactly(2), java.nio.charset.StandardCharsets.US_ASCII));
      }
    }
    assertEquals(List.of(true, false), held, "Vert.x's handler no longer has the field, or it was not cleared");
  }

  /**
   * Vert.x's native transports restate four socket options on every accepted socket; ours drop the
   * restatements (a system call each per connection), and an accepted socket still has what the listener asks for:
   * TCP_NODELAY and SO_KEEPALIVE on, and a value that differs from the socket's own (a TCP_USER_TIMEOUT) set.
   */
  @Test
  void anAcceptedSocketHasWhatTheListenerAsksWithoutBeingToldWhatItHasAlready() throws Exception {
    if (Epoll.isAvailable()) {
      assertRestatementsDropped(new EpollTransport(), VertxTransports::dropRestatedDefaults,
          EpollChannelOption.TCP_USER_TIMEOUT, EpollChannelOption.TCP_CORK, EpollChannelOption.TCP_QUICKACK);
    }
    if (IoUring.isAvailable()) {
      assertRestatementsDropped(new IoUringTransport(), VertxTransports::dropRestatedUringDefaults,
          IoUringChannelOption.TCP_USER_TIMEOUT, IoUringChannelOption.TCP_CORK, IoUringChannelOption.TCP_QUICKACK);
    }
    int port = TestPorts.free();
    List<Object> seen = new CopyOnWriteArrayList<>();
    vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true)
            .setTcpKeepAlive(true).setTcpUserTimeout(7000))
        .connectHandler(s -> {
          ChannelConfig config = Channels.of(s).config();
          seen.add(config.getOption(ChannelOption.TCP_NODELAY));
          seen.add(config.getOption(ChannelOption.SO_KEEPALIVE));
          seen.add(config instanceof EpollChannelConfig ? config.getOption(EpollChannelOption.TCP_USER_TIMEOUT)
              : Channels.of(s) instanceof IoUringSocketChannel ? config.getOption(IoUringChannelOption.TCP_USER_TIMEOUT)
              : 7000);
          s.write("ok\n");
        })
        .listen().await(10, TimeUnit.SECONDS);
    try (TcpClient c = TcpClient.connect(port)) {
      assertEquals("ok", c.readLine());
    }
    assertEquals(List.of(true, true, 7000), seen, "TCP_NODELAY, SO_KEEPALIVE, TCP_USER_TIMEOUT of an accepted socket");
  }

  /** What {@code transport} sets on accepted sockets, less what {@code drop} removes: none of {@code restated}. */
  private static void assertRestatementsDropped(io.vertx.core.spi.transport.Transport transport,
      java.util.function.Consumer<ServerBootstrap> drop, ChannelOption<?>... restated) {
    ServerBootstrap bootstrap = new ServerBootstrap();
    transport.configure(new NetServerOptions().setTcpNoDelay(true).setTcpKeepAlive(true), false, bootstrap);
    drop.accept(bootstrap);
    Map<ChannelOption<?>, Object> child = bootstrap.config().childOptions();
    List<ChannelOption<?>> dropped = new java.util.ArrayList<>(List.of(restated));
    dropped.add(ChannelOption.TCP_NODELAY);
    for (ChannelOption<?> o : dropped) {
      assertFalse(child.containsKey(o), () -> o + " is still set on every accepted socket: " + child);
    }
    assertEquals(true, child.get(ChannelOption.SO_KEEPALIVE));
  }
}
