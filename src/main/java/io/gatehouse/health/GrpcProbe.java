package io.gatehouse.health;

import io.gatehouse.tls.MemberTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@code GRPC}: the standard {@code grpc.health.v1.Health/Check} on a fresh HTTP/2 connection (TLS with ALPN h2
 * when {@code tls}, else h2c with prior knowledge), asking about {@code grpc_service_name}. Up only on HTTP 200,
 * {@code grpc-status} 0 and a {@code HealthCheckResponse} saying SERVING; the reason otherwise names what was
 * wrong ({@code NOT_SERVING}, {@code grpc-status 12 UNIMPLEMENTED}, {@code HTTP 404}, ...). TLS checks follow
 * the pool's {@link MemberTls} as {@link HttpProbe}'s do.
 */
final class GrpcProbe implements Probe {

  private static final String PATH = "/grpc.health.v1.Health/Check";
  /** A HealthCheckResponse is a few bytes; more than this is not one, and is not kept in memory. */
  private static final int MAX_BODY = 16 * 1024;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final boolean tls;
  private final Supplier<MemberTls> memberTls;
  /** The same bytes for every probe of this monitor; each send takes a copy. */
  private final Buffer request;

  GrpcProbe(Vertx vertx, HttpClientAgent client, String serviceName, boolean tls, Supplier<MemberTls> memberTls) {
    this.vertx = vertx;
    this.client = client;
    this.tls = tls;
    this.memberTls = memberTls;
    this.request = GrpcHealthMessages.checkRequest(serviceName);
  }

  @Override
  public Future<ProbeResult> run(SocketAddress target, Duration timeout) {
    ProbeDeadline deadline = new ProbeDeadline(vertx, timeout);
    HttpClientConnection[] opened = new HttpClientConnection[1];
    HttpConnectOptions options = new HttpConnectOptions();
    // Vert.x 5.0's connect() keeps the client's connect timeout, not this one: the deadline ends the probe in time,
    // and a connection that opens later is closed at once
    ProbeConnectOptions.apply(options, target, timeout, tls, memberTls);
    client.connect(options)
        .compose(connection -> {
          opened[0] = connection;
          connection.exceptionHandler(ignored -> { }); // failures reach the request's future
          if (deadline.expired()) {
            connection.close();
            return Future.<HttpClientRequest>failedFuture("connected after the timeout");
          }
          deadline.onTimeout(connection::close);
          return connection.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(PATH)
              .putHeader("content-type", "application/grpc").putHeader("te", "trailers"));
        })
        // :authority is the member address, whatever name TLS verified
        .compose(req -> req.authority(ProbeConnectOptions.memberAuthority(target)).send(request.copy()))
        .compose(this::verdict)
        .otherwise(e -> TcpProbe.connectFailure(e, timeout))
        .onSuccess(r -> {
          deadline.complete(r);
          if (opened[0] != null) {
            opened[0].close(); // a probe's connection serves one call
          }
        });
    return deadline.future();
  }

  private Future<ProbeResult> verdict(HttpClientResponse resp) {
    if (resp.version() != HttpVersion.HTTP_2) {
      // TLS without h2 in ALPN: the member answered in HTTP/1.1, which cannot carry gRPC's trailers
      resp.handler(ignoredBody -> { });
      return resp.end().map(ProbeResult.down("no HTTP/2 (ALPN chose " + resp.version() + ")"));
    }
    Buffer body = Buffer.buffer();
    boolean[] tooLong = {false};
    resp.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_BODY) {
        tooLong[0] = true;
      } else if (!tooLong[0]) {
        body.appendBuffer(chunk);
      }
    });
    return resp.end().map(done -> {
      if (resp.statusCode() != 200) {
        return ProbeResult.down("HTTP " + resp.statusCode());
      }
      // a Trailers-Only answer (an error before any message) puts grpc-status among the headers
      String status = resp.getTrailer("grpc-status");
      if (status == null) {
        status = resp.getHeader("grpc-status");
      }
      if (status == null) {
        return ProbeResult.down("no grpc-status");
      }
      if (!status.equals("0")) {
        return ProbeResult.down("grpc-status " + GrpcStatusNames.of(status));
      }
      if (tooLong[0]) {
        return ProbeResult.down("malformed HealthCheckResponse: over " + MAX_BODY + " bytes");
      }
      try {
        int serving = GrpcHealthMessages.servingStatus(body);
        String name = GrpcHealthMessages.statusName(serving);
        return serving == GrpcHealthMessages.SERVING ? ProbeResult.up(name) : ProbeResult.down(name);
      } catch (IllegalArgumentException e) {
        return ProbeResult.down("malformed HealthCheckResponse: " + e.getMessage());
      }
    });
  }
}
