package io.gatehouse.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;

/**
 * The HTTP clients one listener instance uses towards members: plain for pools of protocol HTTP, TLS for
 * HTTPS. Each keeps a keep-alive pool per member, closed when idle for a few seconds: shorter than the idle
 * timeout of common servers (5 s and up) so that the gateway, not the member, closes an idle connection and a
 * request is never sent on one the member is closing.
 */
public final class MemberClients {

  /** Connections per member per listener instance; requests past it wait in a bounded queue. */
  static final int CONNECTIONS_PER_MEMBER = 256;
  /** Requests waiting for a connection; past it the request fails at once (503) instead of queueing. */
  static final int MAX_WAITING = 1024;
  static final int KEEP_ALIVE_SECONDS = 4;
  static final int MAX_RESPONSE_HEAD = 64 * 1024;

  private final HttpClient plain;
  private final HttpClient tls;

  public MemberClients(Vertx vertx) {
    this.plain = build(vertx, options());
    // HTTPS members' certificates are not verified (like HAProxy's "verify none"): members sit in a private
    // network, often with self-signed certificates; the gateway checks reachability, not identity.
    this.tls = build(vertx, options().setSsl(true).setTrustAll(true).setVerifyHost(false));
  }

  private static HttpClientOptions options() {
    return new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setKeepAlive(true)
        .setKeepAliveTimeout(KEEP_ALIVE_SECONDS)
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(MAX_RESPONSE_HEAD)
        .setShared(false);
  }

  private static HttpClient build(Vertx vertx, HttpClientOptions options) {
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(CONNECTIONS_PER_MEMBER)
        .setMaxWaitQueueSize(MAX_WAITING)
        .setEventLoopSize(0);
    return vertx.httpClientBuilder().with(options).with(pool).build();
  }

  public HttpClient get(boolean tlsToMember) {
    return tlsToMember ? tls : plain;
  }

  public Future<?> close() {
    return Future.all(plain.close(), tls.close());
  }
}
