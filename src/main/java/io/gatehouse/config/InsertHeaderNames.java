package io.gatehouse.config;

import java.util.List;

/** The header names {@code insert_headers} knows, spelled as the contract spells them. */
final class InsertHeaderNames {
  static final List<String> NAMES = List.of("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port",
      "X-Forwarded-Host", "X-Real-IP", "X-Forwarded-ELB-IP", "X-Request-Id", "traceparent");
  private static final String XFF = NAMES.get(0);

  private InsertHeaderNames() {}

  /** The given switches over {@code base}; an unknown name is an error (a typo would silently do nothing). */
  static InsertHeaders merge(ObjectReader r, InsertHeaders base) {
    InsertHeaders.XForwardedFor xff = base.xForwardedFor();
    boolean[] on = {false, base.xForwardedProto(), base.xForwardedPort(), base.xForwardedHost(),
        base.xRealIp(), base.xForwardedElbIp(), base.xRequestId(), base.traceparent()};
    for (String name : r.fieldNames()) {
      int i = NAMES.indexOf(name);
      if (i == 0) {
        xff = xForwardedFor(r, xff);
      } else if (i > 0) {
        on[i] = r.bool(name, on[i]);
      } else {
        r.accept(name);
        r.error(name, "unknown header, must be one of " + String.join(", ", NAMES));
      }
    }
    return new InsertHeaders(xff, on[1], on[2], on[3], on[4], on[5], on[6], on[7]);
  }

  /** {@code true} (append), {@code false} or {@code "replace"}. */
  private static InsertHeaders.XForwardedFor xForwardedFor(ObjectReader r, InsertHeaders.XForwardedFor dflt) {
    Object v = r.raw(XFF);
    if (v instanceof Boolean b) {
      return b ? InsertHeaders.XForwardedFor.APPEND : InsertHeaders.XForwardedFor.OFF;
    }
    if ("replace".equals(v)) {
      return InsertHeaders.XForwardedFor.REPLACE;
    }
    if (v != null) {
      r.error(XFF, "must be true (append), false or \"replace\"");
    }
    return dflt;
  }
}
