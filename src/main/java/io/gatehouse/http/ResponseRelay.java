package io.gatehouse.http;

import io.gatehouse.vertx.Buffers;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * The member's response on its way to the client: the head as the client gets it, and the body written with
 * back-pressure: while the client's write queue is full the member connection is not read. An instance exists
 * only as the drain handler of a full queue (as a lambda did before). Event-loop confined.
 */
final class ResponseRelay implements Handler<Void> {

  private final ProxyExchange exchange;

  private ResponseRelay(ProxyExchange exchange) {
    this.exchange = exchange;
  }

  /** The member's status line and headers on the client's response, hop-by-hop headers dropped. */
  static void passHead(HttpServerRequest req, HttpServerResponse resp, HttpResponse head) {
    int status = head.status().code();
    resp.setStatusCode(status);
    if (!head.status().reasonPhrase().equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
      resp.setStatusMessage(head.status().reasonPhrase()); // only then: it costs a new status object each time
    }
    HopByHop.copy(head.headers(), resp.headers(), false);
    if (!head.headers().contains(HttpHeaders.CONTENT_LENGTH) && bodyAllowed(req, status)
        && req.version() == HttpVersion.HTTP_1_1) {
      resp.setChunked(true);
    }
  }

  private static boolean bodyAllowed(HttpServerRequest req, int status) {
    return status >= 200 && status != 204 && status != 304 && req.method() != HttpMethod.HEAD;
  }

  /**
   * Writes a piece of the body; a full write queue stops reading from the member until it drains, and starts the
   * client's client_timeout.
   */
  static void write(ProxyExchange exchange, HttpServerResponse resp, Buffer chunk) {
    resp.write(chunk);
    MemberConnection from = exchange.connection();
    if (resp.writeQueueFull() && from != null) {
      from.readResponse(false);
      resp.drainHandler(new ResponseRelay(exchange));
      exchange.clientFellBehind();
    }
  }

  /** The client's write queue drained: read the member again, unless the exchange has moved on. */
  @Override
  public void handle(Void drained) {
    exchange.clientCaughtUp();
    MemberConnection from = exchange.connection();
    if (from != null && exchange.phase() == ExchangePhase.RELAYING_RESPONSE) {
      from.readResponse(true);
    }
  }

  /** A copy on the heap, or null for no bytes: the member's buffer goes back to its pool as soon as a call returns. */
  static Buffer copy(ByteBuf content) {
    return content.readableBytes() == 0 ? null : Buffers.heapCopy(content);
  }
}
