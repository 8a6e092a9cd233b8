package io.gatehouse.health;

import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A grpc-java server on loopback with the standard {@code grpc.health.v1.Health} service (or none), counting the
 * calls a test marks as its own traffic ({@link #TRAFFIC}) apart from the gateway's probes.
 */
final class GrpcMember implements AutoCloseable {

  static final Metadata.Key<String> TRAFFIC = Metadata.Key.of("x-traffic", Metadata.ASCII_STRING_MARSHALLER);

  final HealthStatusManager health = new HealthStatusManager();
  final AtomicInteger traffic = new AtomicInteger();
  final AtomicInteger probes = new AtomicInteger();
  private final Server server;
  private final int port;

  private GrpcMember(ServerCredentials credentials, boolean healthService) {
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), credentials).directExecutor();
    if (healthService) {
      builder.addService(ServerInterceptors.intercept(health.getHealthService(), new Counter()));
    }
    try {
      server = builder.build().start();
      port = server.getPort(); // a stopped server no longer tells
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** h2c; the whole server ({@code ""}) SERVING, as HealthStatusManager starts. */
  static GrpcMember plain() {
    return new GrpcMember(InsecureServerCredentials.create(), true);
  }

  /** TLS with this certificate; ALPN offers h2 only, as gRPC servers do. */
  static GrpcMember tls(Path certificate, Path key) {
    try {
      return new GrpcMember(TlsServerCredentials.create(certificate.toFile(), key.toFile()), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A gRPC server that has no health service: every Check is UNIMPLEMENTED. */
  static GrpcMember withoutHealthService() {
    return new GrpcMember(InsecureServerCredentials.create(), false);
  }

  int port() {
    return port;
  }

  void status(String service, ServingStatus status) {
    health.setStatus(service, status);
  }

  /** Stops at once: open connections are cut, new ones refused. */
  @Override
  public void close() {
    if (server.isShutdown()) {
      return;
    }
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Counter implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      (headers.containsKey(TRAFFIC) ? traffic : probes).incrementAndGet();
      return next.startCall(call, headers);
    }
  }
}
