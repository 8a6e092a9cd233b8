package io.gatehouse.config;

/** How the gateway talks to a pool's members. */
public enum PoolProtocol {
  TCP, UDP, HTTP, HTTPS;

  /** Whether a listener of the given protocol may send its traffic to a pool of this one. */
  public boolean serves(ListenerProtocol listener) {
    return switch (listener) {
      case TCP, SSL -> this == TCP;
      case UDP -> this == UDP;
      case HTTP, HTTPS, QUIC -> this == HTTP || this == HTTPS;
    };
  }
}
