package io.gatehouse.config;

/** How the gateway talks to a pool's members ({@code HTTP2}: HTTP/2 without TLS, by prior knowledge). */
public enum PoolProtocol {
  TCP, UDP, HTTP, HTTPS, HTTP2;

  /** Whether members are spoken to in HTTP (of any version), so that HTTP listeners may use the pool. */
  public boolean isHttp() {
    return this == HTTP || this == HTTPS || this == HTTP2;
  }

  /** Whether a listener of the given protocol may send its traffic to a pool of this one. */
  public boolean serves(ListenerProtocol listener) {
    return switch (listener) {
      case TCP, SSL -> this == TCP;
      case UDP -> this == UDP;
      case HTTP, HTTPS, QUIC -> isHttp();
    };
  }
}
