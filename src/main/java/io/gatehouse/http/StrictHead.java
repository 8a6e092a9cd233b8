package io.gatehouse.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Map;

/**
 * What RFC 9112 and RFC 9110 require of a request head beyond what the decoders check; a request refused here
 * never reaches a member, and its connection is closed after the answer (what follows on it cannot be trusted).
 * <ul>
 *   <li>Transfer-Encoding beside Content-Length: 400 (a member reading the other one would see another request
 *       boundary).</li>
 *   <li>Transfer-Encoding, all its lines as one list (RFC 9110 5.3): {@code chunked} must be the final coding,
 *       and only once (RFC 9112 6.3), else 400; another coding before it is not implemented (501), rather than
 *       guessed at. A coding with parameters is another coding: {@code chunked;x} is not {@code chunked}. And the
 *       decoder must have framed the body as chunked too, or it is 400 (it reads lists otherwise).</li>
 *   <li>Host: a valid value ({@link HostHeader}), else 400 (a second Host line is refused by the decoder).</li>
 *   <li>HTTP/2 fields (RFC 9113 8.2.1): HPACK carries any octet, and Vert.x checks names only in part and values
 *       not at all, while the member gets the fields as HTTP/1.1 lines. A name that is not a lower-case token,
 *       a value holding a control character but HTAB (CR and LF would forge lines, a whole request even, on the
 *       member connection) or beginning or ending with SP or HTAB, or a second {@code host} field: 400 on the
 *       stream.</li>
 * </ul>
 */
public final class StrictHead {

  private static final String CHUNKED = "chunked";
  /** tchar (RFC 9110 5.6.2), letters in lower case only (RFC 9113 8.2.1). */
  private static final CharClass FIELD_NAME = CharClass.of("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz");

  private StrictHead() {}

  /** The status to refuse the request with, or 0 when it may go on. */
  public static int status(HttpServerRequest req) {
    if (req.version() == HttpVersion.HTTP_2 && !"http".equalsIgnoreCase(req.scheme())
        && !"https".equalsIgnoreCase(req.scheme())) {
      return 400; // a gateway for http and https: another :scheme has no member that could mean it
    }
    int framing = req.version() == HttpVersion.HTTP_2 ? http2Fields(req.headers()) : framing(req.headers());
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
    int codings = codings(headers.getAll(HttpHeaders.TRANSFER_ENCODING));
    if (codings == 0 && headers instanceof io.netty.handler.codec.http.HttpHeaders decoded
        && !decoded.containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true)) {
      // chunked by RFC 9110's list rules, not by the decoder's (which trims SP but not HTAB: "chunked\t,"): the
      // decoder read no body, so the chunks would be taken for the next request
      return 400;
    }
    return codings;
  }

  /** 400 for an HTTP/2 field an HTTP/1.1 member would read otherwise, or a second host; else 0. */
  static int http2Fields(MultiMap headers) {
    int hosts = 0;
    for (Map.Entry<String, String> field : headers) {
      String name = field.getKey();
      if (!name.isEmpty() && name.charAt(0) == ':') {
        continue; // pseudo-headers: :path and :authority are checked as the target and the host
      }
      if (name.isEmpty() || !fieldName(name) || !fieldValue(field.getValue())) {
        return 400;
      }
      if (name.equals("host") && ++hosts > 1) {
        return 400;
      }
    }
    return 0;
  }

  /**
   * A member's field that any client, HTTP/2 included, can be sent: a token name (either case, as HTTP/1.1 members
   * write them) and a value as {@link #fieldValue} wants it.
   */
  static boolean sendable(CharSequence name, CharSequence value) {
    if (name.length() == 0) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!FIELD_NAME.has(Character.toLowerCase(name.charAt(i)))) {
        return false;
      }
    }
    return fieldValue(value);
  }

  private static boolean fieldName(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (!FIELD_NAME.has(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * VCHAR, obs-text, SP and HTAB (RFC 9110 5.5), neither first nor last (RFC 9113 8.2.1: malformed otherwise;
   * Netty refuses to send a value that starts so, which would leave the request unsent).
   */
  private static boolean fieldValue(CharSequence value) {
    int n = value.length();
    if (n > 0 && (isSpace(value.charAt(0)) || isSpace(value.charAt(n - 1)))) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < 0x20 && c != '\t' || c == 0x7f || c > 0xff) {
        return false;
      }
    }
    return true;
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
