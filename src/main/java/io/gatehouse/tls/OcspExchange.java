package io.gatehouse.tls;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;

/**
 * One POST to an OCSP responder, bounded in time and size: the exchange ends at a deadline once connected, and the
 * body is counted as it arrives. OCSP goes over plain HTTP, so whoever is on the path
 * answers: without the deadline a responder trickling a byte every few seconds would hold the fetch (and with it
 * every refresh of the certificate) forever, and without the count a chunked answer without an end would be
 * buffered until the heap ran out.
 */
final class OcspExchange {

  private final Vertx vertx;
  private final HttpClient client;
  private final int maxBody;
  private final Duration deadline;

  OcspExchange(Vertx vertx, HttpClient client, int maxBody, Duration deadline) {
    this.vertx = vertx;
    this.client = client;
    this.maxBody = maxBody;
    this.deadline = deadline;
  }

  /** The body of a 200 answer to {@code query}; failed with the reason otherwise. On the caller's context. */
  Future<Buffer> post(OcspQuery query) {
    Promise<Buffer> result = Promise.promise();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(query.responder().toString())
        .putHeader("content-type", "application/ocsp-request")
        .putHeader("accept", "application/ocsp-response");
    // the deadline starts with the connection: the connect timeout bounds the connect, and a wait for a pooled
    // connection is bounded by the deadlines of the exchanges ahead of it (fetches of many SNI certificates
    // queue for one responder)
    client.request(options).onComplete(made -> {
      if (made.failed()) {
        result.tryFail(made.cause());
        return;
      }
      HttpClientRequest request = made.result();
      long timer = vertx.setTimer(deadline.toMillis(), id -> {
        if (result.tryFail("the responder did not answer within " + deadline.toSeconds() + " s")) {
          request.reset();
        }
      });
      result.future().onComplete(done -> vertx.cancelTimer(timer));
      request.send(Buffer.buffer(query.request()))
          .onSuccess(response -> read(response, result))
          .onFailure(result::tryFail);
    });
    return result.future();
  }

  void close() {
    client.close();
  }

  private void read(HttpClientResponse response, Promise<Buffer> result) {
    if (response.statusCode() != 200) {
      result.tryFail("the responder answered HTTP " + response.statusCode());
      response.request().reset();
      return;
    }
    if (declaredOver(response.getHeader("content-length"))) {
      result.tryFail("the responder's answer is over " + maxBody + " bytes");
      response.request().reset();
      return;
    }
    Buffer body = Buffer.buffer();
    response.exceptionHandler(result::tryFail);
    response.handler(chunk -> {
      if (result.future().isComplete()) {
        return;
      }
      if (body.length() + chunk.length() > maxBody) {
        result.tryFail("the responder's answer is over " + maxBody + " bytes");
        response.request().reset();
      } else {
        body.appendBuffer(chunk);
      }
    });
    response.endHandler(v -> result.tryComplete(body));
  }

  private boolean declaredOver(String contentLength) {
    try {
      return contentLength != null && Long.parseLong(contentLength.trim()) > maxBody;
    } catch (NumberFormatException e) {
      return false; // the body is counted as it comes
    }
  }
}
