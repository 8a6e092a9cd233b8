package io.gatehouse.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * W3C Trace Context under {@code insert_headers."traceparent": true}: a request that comes without a valid
 * {@code traceparent} starts a trace, {@code 00-<random trace-id>-<random parent-id>-01}. The flags are
 * {@code 01} (sampled) so that members whose samplers follow their parent record the trace; an invalid incoming
 * {@code tracestate} goes with the invalid {@code traceparent} (W3C: a restarted trace drops it). A valid incoming
 * pair passes untouched: the gateway records no span of its own, so the client's parent stays the parent.
 */
final class TraceContext {

  static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
  static final AsciiString TRACESTATE = AsciiString.cached("tracestate");

  private TraceContext() {}

  /** On the member's headers: a valid traceparent kept, else a new trace started. */
  static void ensure(HttpHeaders member) {
    List<String> sent = member.getAll(TRACEPARENT);
    if (sent.size() == 1 && valid(sent.get(0))) {
      return;
    }
    member.remove(TRACESTATE);
    member.set(TRACEPARENT, "00-" + RequestIds.hex(2) + "-" + RequestIds.hex(1) + "-01");
  }

  /**
   * {@code version-traceid-parentid-flags} in lower-case hex, ids not all zeros; version {@code ff} is invalid;
   * version 00 is exactly 55 characters, a later version may add {@code -}fields after them.
   */
  static boolean valid(String v) {
    if (v.length() < 55 || v.length() > 55 && (v.startsWith("00") || v.charAt(55) != '-')) {
      return false;
    }
    return v.charAt(2) == '-' && v.charAt(35) == '-' && v.charAt(52) == '-'
        && hex(v, 0, 2) && !v.startsWith("ff") && hex(v, 3, 35) && !zeros(v, 3, 35) && hex(v, 36, 52)
        && !zeros(v, 36, 52) && hex(v, 53, 55);
  }

  private static boolean hex(String v, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = v.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String v, int from, int to) {
    for (int i = from; i < to; i++) {
      if (v.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
