package io.gatehouse.config;

/** {@code insert_headers}: which forwarding headers the HTTP listeners add to requests to members. */
public record InsertHeaders(
    boolean xForwardedFor,
    boolean xForwardedProto,
    boolean xForwardedPort,
    boolean xForwardedHost,
    boolean xRealIp,
    boolean xForwardedElbIp) {

  /** The contract's defaults. */
  public static final InsertHeaders DEFAULTS = new InsertHeaders(true, true, true, true, false, false);
}
