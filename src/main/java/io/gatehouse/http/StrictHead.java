package io.gatehouse.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/**
 * What RFC 9112 and RFC 9110 require of a request head beyond what the decoders check; a request refused here
 * never reaches a member, and its connection is closed after the answer (what follows on it cannot be trusted).
 * <ul>
 *   <li>Transfer-Encoding beside Content-Length: 400 (a member reading the other one would see another request
 *       boundary).</li>
 *   <li>Transfer-Encoding, all its lines as one list (RFC 9110 5.3): {@code chunked} must be the final coding,
 *       and only once (RFC 9112 6.3), else 400; another coding before it is not implemented (501), rather than
 *       guessed at. A coding with parameters is another coding: {@code chunked;x} is not {@code chunked}.</li>
 *   <li>Host: a valid value ({@link HostHeader}), else 400 (a second Host line is refused by the decoder).</li>
 * </ul>
 */
public final class StrictHead {

  private static final String CHUNKED = "chunked";

  private StrictHead() {}

  /** The status to refuse the request with, or 0 when it may go on. */
  public static int status(HttpServerRequest req) {
    int framing = req.version() == HttpVersion.HTTP_2 ? 0 : framing(req.headers());
    if (framing != 0) {
      return framing;
    }
    return HostHeader.valid(req) ? 0 : 400;
  }

  private static int framing(MultiMap headers) {
    if (!headers.contains(HttpHeaders.TRANSFER_ENCODING)) {
      return 0;
    }
    if (headers.contains(HttpHeaders.CONTENT_LENGTH)) {
      return 400;
    }
    return codings(headers.getAll(HttpHeaders.TRANSFER_ENCODING));
  }

  /** Every line's comma-separated codings in order; empty list elements do not count (RFC 9110 5.6.1). */
  static int codings(List<String> lines) {
    boolean chunkedLast = false;
    boolean other = false;
    for (String line : lines) {
      for (int from = 0; from <= line.length(); ) {
        int comma = line.indexOf(',', from);
        int to = comma < 0 ? line.length() : comma;
        int start = from;
        while (start < to && isSpace(line.charAt(start))) {
          start++;
        }
        while (to > start && isSpace(line.charAt(to - 1))) {
          to--;
        }
        if (to > start) {
          if (chunkedLast) {
            return 400; // a coding after chunked: chunked is not the last, or comes twice
          }
          chunkedLast = to - start == CHUNKED.length() && line.regionMatches(true, start, CHUNKED, 0, to - start);
          other |= !chunkedLast;
        }
        from = comma < 0 ? line.length() + 1 : comma + 1;
      }
    }
    return !chunkedLast ? 400 : other ? 501 : 0;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t';
  }
}
