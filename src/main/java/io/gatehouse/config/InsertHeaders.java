package io.gatehouse.config;

/**
 * {@code insert_headers}: which forwarding headers the HTTP listeners add to requests to members, and the request
 * ID ({@code X-Request-Id}, also on the response) and trace context ({@code traceparent}) they give requests.
 */
public record InsertHeaders(
    XForwardedFor xForwardedFor,
    boolean xForwardedProto,
    boolean xForwardedPort,
    boolean xForwardedHost,
    boolean xRealIp,
    boolean xForwardedElbIp,
    boolean xRequestId,
    boolean traceparent) {

  /** What {@code "X-Forwarded-For"} does with the client's value. */
  public enum XForwardedFor {
    /** {@code false}: nothing inserted; a client-sent value passes unchanged. */
    OFF,
    /** {@code true}: the peer address appended to whatever the client sent. */
    APPEND,
    /**
     * {@code "replace"}: the client's value dropped for the peer address, unless the peer is one of the listener's
     * {@code trusted_proxies}, whose value is appended to.
     */
    REPLACE
  }

  /** The contract's defaults. */
  public static final InsertHeaders DEFAULTS = new InsertHeaders(true, true, true, true, false, false);

  /**
   * With X-Forwarded-For on ({@code APPEND}) or off, as the six booleans the first round had; X-Request-Id on and
   * traceparent off, their defaults.
   */
  public InsertHeaders(boolean xForwardedFor, boolean xForwardedProto, boolean xForwardedPort, boolean xForwardedHost,
      boolean xRealIp, boolean xForwardedElbIp) {
    this(xForwardedFor ? XForwardedFor.APPEND : XForwardedFor.OFF, xForwardedProto, xForwardedPort, xForwardedHost,
        xRealIp, xForwardedElbIp, true, false);
  }
}
