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

  public HeaderValue {
    parts = List.copyOf(parts);
  }

  /** The value when it holds no variable, else null. */
  public String constant() {
    if (parts.isEmpty()) {
      return "";
    }
    return parts.size() == 1 && parts.get(0).variable() == null ? parts.get(0).literal() : null;
  }
}
