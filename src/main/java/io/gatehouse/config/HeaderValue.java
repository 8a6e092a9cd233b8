package io.gatehouse.config;

import java.util.List;

/**
 * A header value of {@code request_headers} or {@code response_headers}: literal text and variables
 * ({@code ${client_ip}}, {@code ${request_id}}, {@code ${listener}}, {@code ${member}}), parsed once at load.
 * A part is either {@code literal} or {@code variable}.
 */
public record HeaderValue(List<Part> parts) {

  /** What a variable stands for, per request. */
  public enum Variable {
    /** The client's address (or the one a trusted PROXY header named). */
    CLIENT_IP("client_ip"),
    /** The request's X-Request-Id; empty when the listener gives none. */
    REQUEST_ID("request_id"),
    /** The listener's name. */
    LISTENER("listener"),
    /** The member's identity {@code address:protocol_port}, of this attempt. */
    MEMBER("member");

    private final String spelled;

    Variable(String spelled) {
      this.spelled = spelled;
    }

    public String spelled() {
      return spelled;
    }
  }

  public record Part(String literal, Variable variable) {}

  /**
   * Leading and trailing spaces and tabs are dropped from the literal text at either end: they are not part of a
   * field's value (RFC 9110 5.5), and an HTTP/2 peer cannot be sent a value that has them (RFC 9113 8.2.1).
   */
  public HeaderValue {
    List<Part> kept = new java.util.ArrayList<>(parts);
    if (!kept.isEmpty() && kept.get(0).variable() == null) {
      kept.set(0, new Part(kept.get(0).literal().stripLeading(), null));
    }
    int last = kept.size() - 1;
    if (last >= 0 && kept.get(last).variable() == null) {
      kept.set(last, new Part(kept.get(last).literal().stripTrailing(), null));
    }
    kept.removeIf(p -> p.variable() == null && p.literal().isEmpty());
    parts = List.copyOf(kept);
  }

  /** The value when it holds no variable, else null. */
  public String constant() {
    if (parts.isEmpty()) {
      return "";
    }
    return parts.size() == 1 && parts.get(0).variable() == null ? parts.get(0).literal() : null;
  }
}
