package io.gatehouse.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/** The gateway's own answers: a status and a short plain-text body, built once. */
public final class ErrorPages {

  private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final Buffer[] BODIES = new Buffer[600];

  static {
    body(400, "400 Bad Request: the request is malformed\n");
    body(408, "408 Request Timeout: no full request head in time\n");
    body(413, "413 Content Too Large: the request body is over the limit\n");
    body(405, "405 Method Not Allowed: CONNECT is for forward proxies; this is a reverse proxy\n");
    body(414, "414 URI Too Long: the request line is over the limit\n");
    body(429, "429 Too Many Requests: this client is over its request rate\n");
    body(431, "431 Request Header Fields Too Large: the request head is over the limit (size or header lines)\n");
    body(502, "502 Bad Gateway: the member could not be reached or answered badly\n");
    body(503, "503 Service Unavailable: no usable member\n");
    body(504, "504 Gateway Timeout: the member did not answer in time\n");
    body(501, "501 Not Implemented: unknown transfer coding\n");
    body(500, "500 Internal Server Error: the gateway failed this request\n");
    body(505, "505 HTTP Version Not Supported: HTTP/1.0, HTTP/1.1 and HTTP/2 are\n");
  }

  private ErrorPages() {}

  private static void body(int status, String text) {
    BODIES[status] = Buffer.buffer(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Answers {@code status} (one of the statuses above) on a response whose head was not written yet. */
  public static Future<Void> send(HttpServerResponse response, int status) {
    Buffer body = BODIES[status];
    return response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN)
        .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()))
        .end(body);
  }

  /** The short text of {@code status} (one of the statuses above), for a gRPC answer's grpc-message. */
  static String text(int status) {
    return BODIES[status].toString(StandardCharsets.UTF_8).trim();
  }

  /**
   * Answers {@code status} to a (paused) request whose response has not begun. When a declared body is left
   * unread the client is told not to reuse the connection, and it closes after the answer rather than read a
   * body nobody wants.
   */
  static Future<Void> answer(HttpServerRequest req, int status) {
    boolean unreadBody = MemberRequest.unreadBody(req);
    if (unreadBody) {
      req.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    Future<Void> sent = send(req.response(), status);
    return unreadBody ? sent.andThen(v -> req.connection().close()) : sent;
  }

  /**
   * A whole HTTP/1.1 response in bytes, for when no request object exists (the 408 written straight to the
   * connection); it closes the connection.
   */
  public static ByteBuf raw(int status, String reason) {
    Buffer body = BODIES[status];
    String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n";
    return Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body.getBytes());
  }
}
