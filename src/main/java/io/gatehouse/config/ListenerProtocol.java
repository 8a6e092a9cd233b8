package io.gatehouse.config;

/** What a listener speaks to clients. {@code TLS} in a file is read as {@link #SSL}. */
public enum ListenerProtocol {
  TCP, UDP, SSL, HTTP, HTTPS;

  public boolean isTls() {
    return this == SSL || this == HTTPS;
  }

  public boolean isHttp() {
    return this == HTTP || this == HTTPS;
  }
}
