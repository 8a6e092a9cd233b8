package io.gatehouse.http;

import io.gatehouse.config.HeaderActions;
import io.gatehouse.config.HeaderValue;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * {@code request_headers} and {@code response_headers} applied to a head: removes, then sets, then adds. Names
 * and values were checked at load (tokens; no control character; no header the gateway owns). A value without
 * variables is the configured string itself: nothing is allocated for it.
 */
final class HeaderEdits {

  private HeaderEdits() {}

  /**
   * @param requestId the request's X-Request-Id, null when the listener gives none ({@code ${request_id}} is empty)
   * @param member the member's identity, of this attempt
   */
  static void apply(HttpHeaders h, HeaderActions actions, String clientIp, String requestId, String listener,
      String member) {
    List<String> remove = actions.remove();
    for (int i = 0; i < remove.size(); i++) {
      h.remove(remove.get(i));
    }
    List<HeaderActions.Header> set = actions.set();
    for (int i = 0; i < set.size(); i++) {
      h.set(set.get(i).name(), value(set.get(i).value(), clientIp, requestId, listener, member));
    }
    List<HeaderActions.Header> add = actions.add();
    for (int i = 0; i < add.size(); i++) {
      h.add(add.get(i).name(), value(add.get(i).value(), clientIp, requestId, listener, member));
    }
  }

  static String value(HeaderValue v, String clientIp, String requestId, String listener, String member) {
    String constant = v.constant();
    if (constant != null) {
      return constant;
    }
    StringBuilder b = new StringBuilder(64);
    for (HeaderValue.Part p : v.parts()) {
      if (p.variable() == null) {
        b.append(p.literal());
      } else {
        b.append(switch (p.variable()) {
          case CLIENT_IP -> clientIp;
          case REQUEST_ID -> requestId == null ? "" : requestId;
          case LISTENER -> listener;
          case MEMBER -> member == null ? "" : member;
        });
      }
    }
    // a variable that is empty (no request ID, no member yet) may leave a space at either end
    return b.toString().strip();
  }
}
