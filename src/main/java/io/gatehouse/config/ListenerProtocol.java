package io.gatehouse.config;

/**
 * What a listener speaks to clients. {@code TLS} in a file is read as {@link #SSL}. {@link #QUIC} is HTTP/3 over
 * QUIC: an HTTP listener on UDP, with TLS 1.3 inside QUIC.
 */
public enum ListenerProtocol {
  TCP, UDP, SSL, HTTP, HTTPS, QUIC;

  public boolean isTls() {
    return this == SSL || this == HTTPS || this == QUIC;
  }

  public boolean isHttp() {
    return this == HTTP || this == HTTPS || this == QUIC;
  }

  /** Bound on a UDP port: its port is not a TCP listener's. */
  public boolean isUdp() {
    return this == UDP || this == QUIC;
  }
}
