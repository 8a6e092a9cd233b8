package io.gatehouse.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What a gRPC call gets from the gateway itself: a gRPC status, not an error page, for a gRPC client reads the
 * status of the call from {@code grpc-status} (an HTTP status other than 200 it only maps to a vaguer code). A
 * gateway-made error is a trailers-only response (HTTP 200, {@code application/grpc}, {@code grpc-status},
 * {@code grpc-message}): 14 UNAVAILABLE where HTTP would say 502, 503 or 504 (gRPC's own mapping of those), 4
 * DEADLINE_EXCEEDED when the client's {@code grpc-timeout} ran out. Also reads {@code grpc-timeout}.
 */
final class GrpcAnswers {

  static final int DEADLINE_EXCEEDED = 4;
  static final int RESOURCE_EXHAUSTED = 8;
  static final int UNKNOWN = 2;
  static final int INTERNAL = 13;
  static final int UNAVAILABLE = 14;
  /** The access log's end for a call whose grpc-timeout ran out at the gateway. */
  static final String DEADLINE_END = "grpc_deadline";

  private static final CharSequence GRPC_STATUS = HttpHeaders.createOptimized("grpc-status");
  private static final CharSequence GRPC_MESSAGE = HttpHeaders.createOptimized("grpc-message");
  private static final CharSequence GRPC_TIMEOUT = HttpHeaders.createOptimized("grpc-timeout");
  private static final CharSequence APPLICATION_GRPC = HttpHeaders.createOptimized("application/grpc");

  private GrpcAnswers() {}

  /** Whether the request is a gRPC call: HTTP/2 with an {@code application/grpc} content type (any sub-type). */
  static boolean isGrpc(HttpServerRequest req) {
    if (req.version() != HttpVersion.HTTP_2) {
      return false; // gRPC runs over HTTP/2 only: HTTP/1 requests cost no header look-up here
    }
    String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)
        && (type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';');
  }

  /** The client's {@code grpc-timeout} in nanoseconds, or -1 when it sent none (or one gRPC's grammar refuses). */
  static long timeoutNanos(HttpServerRequest req) {
    return timeoutNanos(req.getHeader(GRPC_TIMEOUT));
  }

  /**
   * Removes a {@code grpc-timeout} gRPC's grammar refuses from a request to a member: the gateway reads it as none,
   * but a gRPC server resets the stream of a call that has one, and that reset would count as the member's failure
   * (any client could have healthy members ejected with it).
   */
  static void dropMalformedTimeout(io.netty.handler.codec.http.HttpHeaders memberHeaders) {
    String v = memberHeaders.get(GRPC_TIMEOUT);
    if (v != null && timeoutNanos(v) < 0) {
      memberHeaders.remove(GRPC_TIMEOUT);
    }
  }

  private static long timeoutNanos(String v) {
    if (v == null || v.length() < 2 || v.length() > 9) {
      return -1; // TimeoutValue is 1 to 8 digits, then one unit
    }
    long amount = 0;
    for (int i = 0; i < v.length() - 1; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      amount = amount * 10 + (c - '0');
    }
    TimeUnit unit = switch (v.charAt(v.length() - 1)) {
      case 'H' -> TimeUnit.HOURS;
      case 'M' -> TimeUnit.MINUTES;
      case 'S' -> TimeUnit.SECONDS;
      case 'm' -> TimeUnit.MILLISECONDS;
      case 'u' -> TimeUnit.MICROSECONDS;
      case 'n' -> TimeUnit.NANOSECONDS;
      default -> null;
    };
    return unit == null ? -1 : unit.toNanos(amount);
  }

  /** The gRPC status for an answer the gateway would give in HTTP as {@code httpStatus}, ending as {@code end}. */
  static int status(int httpStatus, String end) {
    if (DEADLINE_END.equals(end)) {
      return DEADLINE_EXCEEDED;
    }
    return switch (httpStatus) {
      case 502, 503, 504, 429 -> UNAVAILABLE;
      case 413 -> RESOURCE_EXHAUSTED; // gRPC's code for a message over a size limit
      case 400 -> INTERNAL;
      default -> UNKNOWN;
    };
  }

  /** A trailers-only answer on a response that has not begun. */
  static Future<Void> answer(HttpServerResponse resp, int status, String message) {
    return resp.setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_GRPC)
        .putHeader(GRPC_STATUS, String.valueOf(status))
        .putHeader(GRPC_MESSAGE, percentEncoded(message))
        .end();
  }

  /** Ends a response that has begun (its head and maybe messages sent) with {@code status} in its trailers. */
  static Future<Void> endWith(HttpServerResponse resp, int status, String message) {
    resp.putTrailer(GRPC_STATUS, String.valueOf(status)).putTrailer(GRPC_MESSAGE, percentEncoded(message));
    return resp.end();
  }

  /** gRPC's encoding of grpc-message: bytes outside printable ASCII, and '%', as %XX of their UTF-8. */
  static String percentEncoded(String message) {
    StringBuilder sb = new StringBuilder(message.length());
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0x20 && b <= 0x7e && b != '%') {
        sb.append((char) b);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
