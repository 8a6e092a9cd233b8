package io.gatehouse.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Members for tests, on 127.0.0.1 with ports chosen by the kernel, on their own Vert.x instance (not the
 * gateway's). Each knows its name and counts what it served.
 */
public final class Backends implements AutoCloseable {

  /** A running member: its port, name, connections (TCP) or datagrams (UDP) received, connections open now. */
  public static final class Member {
    public final String name;
    public final AtomicInteger hits = new AtomicInteger();
    public final AtomicInteger open = new AtomicInteger();
    /** HTTP members: response body bytes handed to the connection so far by {@code /download}. */
    public final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    private int port;
    private Runnable stop;
    private Runnable start;

    Member(String name) {
      this.name = name;
    }

    public int port() {
      return port;
    }

    /** Stops the member: new connections are refused from now on. */
    public void stop() {
      stop.run();
    }

    /** Starts a stopped member again on the same port (retried for up to 3 s: the kernel may hold it a moment). */
    public void start() {
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(3).toNanos();
      while (true) {
        try {
          start.run();
          return;
        } catch (AssertionError busy) {
          if (System.nanoTime() > deadline) {
            throw busy;
          }
          Thread.onSpinWait();
        }
      }
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<Member> udpMembers = new ArrayList<>();

  public Vertx vertx() {
    return vertx;
  }

  /** TCP: greets with {@code name\n}, then echoes every byte back (with backpressure). */
  public Member tcpEcho(String name) {
    return tcp(name, so -> {
      so.write(name + "\n");
      so.pipeTo(so);
    });
  }

  /** TCP with any handler; counts connections. */
  public Member tcp(String name, Consumer<NetSocket> handler) {
    Member m = new Member(name);
    Supplier<NetServer> make = () -> vertx.createNetServer().connectHandler(so -> {
      m.hits.incrementAndGet();
      m.open.incrementAndGet();
      so.closeHandler(v -> m.open.decrementAndGet());
      handler.accept(so);
    });
    serve(m, make, (server, port) -> server.listen(port, "127.0.0.1"), NetServer::actualPort, NetServer::close);
    return m;
  }

  /**
   * Listens for {@code m} on a port the kernel chooses, and gives it stop() and start(): a closed server cannot
   * listen again, so start() makes a new one with {@code make} on the same port.
   */
  private static <S> void serve(Member m, Supplier<S> make, BiFunction<S, Integer, Future<S>> listen,
      ToIntFunction<S> actualPort, Function<S, Future<Void>> close) {
    AtomicReference<S> server = new AtomicReference<>(make.get());
    Sync.await(listen.apply(server.get(), 0));
    m.port = actualPort.applyAsInt(server.get());
    m.stop = () -> Sync.await(close.apply(server.get()));
    m.start = () -> {
      server.set(make.get());
      Sync.await(listen.apply(server.get(), m.port));
    };
  }

  /** HTTP on a fresh connection per request counted in {@code hits}; {@code tls} serves the test RSA certificate. */
  public Member http(String name, boolean tls, Consumer<HttpServerRequest> handler) {
    Member m = new Member(name);
    HttpServerOptions options = new HttpServerOptions();
    if (tls) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(TestCerts.RSA_CERT.toString()).setKeyPath(TestCerts.RSA_KEY.toString()));
    }
    HttpServer server = vertx.createHttpServer(options).requestHandler(req -> {
      m.hits.incrementAndGet();
      handler.accept(req);
    });
    Sync.await(server.listen(0, "127.0.0.1"));
    m.port = server.actualPort();
    m.stop = () -> Sync.await(server.close());
    m.start = () -> Sync.await(server.listen(m.port, "127.0.0.1"));
    return m;
  }

  /**
   * UDP: answers {@code who?} with its name, {@code empty?} with an empty datagram, and echoes any other datagram
   * unchanged, empty ones too. On a JDK socket read by a thread of its own: Netty (so Vert.x) does not send empty
   * datagrams.
   */
  public Member udpEcho(String name) {
    Member m = new Member(name);
    java.net.DatagramSocket socket;
    try {
      socket = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      socket.setReceiveBufferSize(1 << 20);
      socket.setSendBufferSize(1 << 20);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] who = "who?".getBytes(StandardCharsets.UTF_8);
    byte[] answer = name.getBytes(StandardCharsets.UTF_8);
    byte[] emptyQuestion = "empty?".getBytes(StandardCharsets.UTF_8);
    Thread echo = new Thread(() -> {
      byte[] buf = new byte[65_536];
      java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
      try {
        while (true) {
          p.setData(buf);
          socket.receive(p);
          m.hits.incrementAndGet();
          if (Arrays.equals(buf, 0, p.getLength(), who, 0, who.length)) {
            p.setData(answer);
          } else if (Arrays.equals(buf, 0, p.getLength(), emptyQuestion, 0, emptyQuestion.length)) {
            p.setData(buf, 0, 0);
          }
          socket.send(p);
        }
      } catch (IOException closed) {
        // stopped
      }
    }, "udp-echo-" + name);
    echo.setDaemon(true);
    echo.start();
    m.port = socket.getLocalPort();
    m.stop = () -> {
      socket.close();
      try {
        echo.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    m.start = () -> {
      throw new UnsupportedOperationException("a closed datagram socket cannot listen again");
    };
    udpMembers.add(m);
    return m;
  }

  /**
   * HTTP/1.1 member (or HTTPS with {@code tls}) that answers by path, always with an {@code X-Member: name}
   * header: {@code /echo} streams the request body back; {@code /sha} answers the SHA-256 of the body (hex);
   * {@code /download/N} streams N deterministic bytes; {@code /slow/MS} answers after MS ms; {@code /set/NAME/V}
   * sets cookie NAME=V; {@code /reset} closes the connection without answering; anything else answers
   * {@code member=name} and then each request header as {@code name: value} lines (names lower case).
   * WebSocket upgrades echo every message as it came (text or binary); the text {@code close} closes instead.
   */
  public Member http(String name, io.vertx.core.net.PemKeyCertOptions tls) {
    Member m = new Member(name);
    HttpServerOptions options = new HttpServerOptions()
        .setHandle100ContinueAutomatically(true)
        // heads up to the gateway's largest max_header_size pass: a 431 a test sees is the gateway's, never the member's
        .setMaxHeaderSize(1024 * 1024);
    if (tls != null) {
      options.setSsl(true).setKeyCertOptions(tls);
    }
    Supplier<HttpServer> make = () -> vertx.createHttpServer(options)
        .webSocketHandler(ws -> {
          m.hits.incrementAndGet();
          // each message back as it came: text as text, binary as binary
          ws.textMessageHandler(t -> {
            if ("close".equals(t)) {
              ws.close();
            } else {
              ws.writeTextMessage(t);
            }
          });
          ws.binaryMessageHandler(ws::writeBinaryMessage);
        })
        .requestHandler(req -> {
          m.hits.incrementAndGet();
          HttpMembers.answer(m, req);
        })
        .connectionHandler(c -> {
          m.open.incrementAndGet();
          c.closeHandler(v -> m.open.decrementAndGet());
        });
    serve(m, make, (server, port) -> server.listen(port, "127.0.0.1"), HttpServer::actualPort, HttpServer::close);
    return m;
  }

  /** An HTTP member on plain HTTP; see {@link #http(String, io.vertx.core.net.PemKeyCertOptions)}. */
  public Member http(String name) {
    return http(name, null);
  }

  @Override
  public void close() {
    udpMembers.forEach(Member::stop);
    Sync.await(vertx.close());
  }
}
