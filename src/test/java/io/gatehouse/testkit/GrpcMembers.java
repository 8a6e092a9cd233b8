package io.gatehouse.testkit;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * Real grpc-java members for gateway tests, with methods defined without protoc: service {@code test.Echo}, whose
 * messages are raw bytes ({@link #BYTES}). {@code Unary} answers {@code name:} and the request; {@code Collect}
 * (client streaming) answers {@code name:count=N,bytes=M}; {@code Spray} (server streaming) takes {@code "N:SIZE"}
 * and sends N messages of SIZE bytes, each as fast as the call is ready for it (counted in {@link Member#sent});
 * {@code Chat} (bidirectional) answers each message with {@code name:} and the message; {@code Sleep} answers after
 * the request's number of milliseconds; {@code Fail} ends with NOT_FOUND, its message and a trailer
 * {@code x-detail: d-NAME}; {@code Trailers} answers {@code name} with a trailer {@code x-detail: d-NAME}. Every
 * call is counted in {@link Member#calls}; {@link Member#kill()} stops the server at once (its connections close
 * mid-call).
 */
public final class GrpcMembers {

  public static final String SERVICE = "test.Echo";
  public static final Metadata.Key<String> DETAIL = Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);

  /** Messages as they are: bytes in, bytes out. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  public static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<byte[], byte[]> COLLECT =
      method("Collect", MethodDescriptor.MethodType.CLIENT_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> SPRAY =
      method("Spray", MethodDescriptor.MethodType.SERVER_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> CHAT = method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> SLEEP = method("Sleep", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<byte[], byte[]> TRAILERS = method("Trailers", MethodDescriptor.MethodType.UNARY);

  private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "grpc-members-timer");
    t.setDaemon(true);
    return t;
  });

  private GrpcMembers() {}

  /** One gRPC server on 127.0.0.1. */
  public static final class Member implements AutoCloseable {
    public final String name;
    public final AtomicInteger calls = new AtomicInteger();
    /** Bytes of Spray messages handed to the transport. */
    public final AtomicLong sent = new AtomicLong();
    /** Sleep calls under way now, and the most there were at once. */
    public final AtomicInteger sleeping = new AtomicInteger();
    public final AtomicInteger mostSleeping = new AtomicInteger();
    private Server server;

    private Member(String name) {
      this.name = name;
    }

    public int port() {
      return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    /** Stops at once: calls in flight are cut, connections close. */
    public void kill() {
      server.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      kill();
    }
  }

  /** A member on plain HTTP/2 (h2c, prior knowledge): an {@code HTTP2} pool's. */
  public static Member plain(String name) {
    return start(name, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
  }

  /** Like {@link #plain}, announcing SETTINGS_MAX_CONCURRENT_STREAMS {@code maxStreams}. */
  public static Member plain(String name, int maxStreams) {
    return start(name, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxConcurrentCallsPerConnection(maxStreams));
  }

  /**
   * Like {@link #plain(String, int)}, sending each connection a GOAWAY {@code maxAgeMillis} after it opened (gRPC's
   * MAX_CONNECTION_AGE) and letting the calls on it finish for up to a minute.
   */
  public static Member aging(String name, int maxStreams, long maxAgeMillis) {
    return start(name, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxConcurrentCallsPerConnection(maxStreams).maxConnectionAge(maxAgeMillis, TimeUnit.MILLISECONDS)
        .maxConnectionAgeGrace(60, TimeUnit.SECONDS));
  }

  /** A member on TLS with the test RSA certificate, offering h2 by ALPN (as gRPC servers do). */
  public static Member tls(String name) {
    try {
      return start(name, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
          TlsServerCredentials.create(TestCerts.RSA_CERT.toFile(), TestCerts.RSA_KEY.toFile())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Member start(String name, NettyServerBuilder builder) {
    Member m = new Member(name);
    AtomicInteger calls = m.calls;
    AtomicLong sent = m.sent;
    ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, out) -> {
          calls.incrementAndGet();
          out.onNext(concat(name + ":", req));
          out.onCompleted();
        }))
        .addMethod(COLLECT, ServerCalls.asyncClientStreamingCall((StreamObserver<byte[]> out) -> {
          calls.incrementAndGet();
          return new StreamObserver<byte[]>() {
            int count;
            long bytes;

            @Override
            public void onNext(byte[] m) {
              count++;
              bytes += m.length;
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
              out.onNext(utf8(name + ":count=" + count + ",bytes=" + bytes));
              out.onCompleted();
            }
          };
        }))
        .addMethod(SPRAY, ServerCalls.asyncServerStreamingCall((req, out) -> {
          calls.incrementAndGet();
          String[] spec = new String(req, StandardCharsets.UTF_8).split(":");
          spray((ServerCallStreamObserver<byte[]>) out, Integer.parseInt(spec[0]), Integer.parseInt(spec[1]), sent);
        }))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall((StreamObserver<byte[]> out) -> {
          calls.incrementAndGet();
          return new StreamObserver<byte[]>() {
            @Override
            public void onNext(byte[] m) {
              out.onNext(concat(name + ":", m));
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
              out.onCompleted();
            }
          };
        }))
        .addMethod(SLEEP, ServerCalls.asyncUnaryCall((req, out) -> {
          calls.incrementAndGet();
          long ms = Long.parseLong(new String(req, StandardCharsets.UTF_8));
          m.mostSleeping.accumulateAndGet(m.sleeping.incrementAndGet(), Math::max);
          TIMERS.schedule(() -> {
            m.sleeping.decrementAndGet();
            out.onNext(utf8(name + ":slept"));
            out.onCompleted();
          }, ms, TimeUnit.MILLISECONDS);
        }))
        .addMethod(FAIL, (ServerCallHandler<byte[], byte[]>) (call, headers) -> {
          calls.incrementAndGet();
          Metadata trailers = new Metadata();
          trailers.put(DETAIL, "d-" + name);
          call.close(Status.NOT_FOUND.withDescription("nothing here, " + name), trailers);
          return new ServerCall.Listener<>() {};
        })
        .addMethod(TRAILERS, (ServerCallHandler<byte[], byte[]>) (call, headers) -> {
          calls.incrementAndGet();
          call.request(1);
          return new ServerCall.Listener<>() {
            @Override
            public void onHalfClose() {
              call.sendHeaders(new Metadata());
              call.sendMessage(utf8(name));
              Metadata trailers = new Metadata();
              trailers.put(DETAIL, "d-" + name);
              call.close(Status.OK, trailers);
            }
          };
        })
        .build();
    try {
      m.server = builder.addService(service).build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return m;
  }

  /** Sends {@code n} messages of {@code size} bytes, each only when the call is ready (gRPC's flow control). */
  private static void spray(ServerCallStreamObserver<byte[]> out, int n, int size, AtomicLong sent) {
    int[] next = {0};
    byte[] message = new byte[size];
    Runnable pump = () -> {
      while (next[0] < n && out.isReady()) {
        out.onNext(message);
        sent.addAndGet(size);
        next[0]++;
      }
      if (next[0] == n) {
        next[0]++;
        out.onCompleted();
      }
    };
    out.setOnReadyHandler(pump);
    pump.run();
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] concat(String prefix, byte[] rest) {
    byte[] p = utf8(prefix);
    byte[] out = new byte[p.length + rest.length];
    System.arraycopy(p, 0, out, 0, p.length);
    System.arraycopy(rest, 0, out, p.length, rest.length);
    return out;
  }

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  // ---- clients of the gateway

  /** A gRPC client channel to the gateway over h2c (prior knowledge), with a small fixed window (no auto-tuning). */
  public static ManagedChannel plainChannel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().initialFlowControlWindow(65_535)
        .build();
  }

  /** A gRPC client channel to the gateway over TLS (trusting the test CA; h2 by ALPN). */
  public static ManagedChannel tlsChannel(int port) {
    try {
      return NettyChannelBuilder.forAddress("127.0.0.1", port)
          .sslContext(GrpcSslContexts.forClient().trustManager(TestCerts.CA_CERT.toFile()).build())
          .overrideAuthority("localhost")
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A unary call, blocking, as text. */
  public static String unary(ManagedChannel channel, MethodDescriptor<byte[], byte[]> method, String request,
      CallOptions options) {
    return text(ClientCalls.blockingUnaryCall(channel, method, options, utf8(request)));
  }

  /** Every message of a server-streaming call, blocking. */
  public static List<byte[]> serverStream(ManagedChannel channel, String request) {
    List<byte[]> out = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(channel, SPRAY, CallOptions.DEFAULT.withDeadlineAfter(30,
        TimeUnit.SECONDS), utf8(request)).forEachRemaining(out::add);
    return out;
  }

  /** A raw call of {@code method}, for tests that drive flow control themselves. */
  public static ClientCall<byte[], byte[]> call(ManagedChannel channel, MethodDescriptor<byte[], byte[]> method) {
    return channel.newCall(method, CallOptions.DEFAULT);
  }
}
