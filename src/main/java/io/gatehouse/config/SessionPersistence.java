package io.gatehouse.config;

import java.time.Duration;

/** {@code session_persistence}; {@code cookieName} is set only for APP_COOKIE. */
public record SessionPersistence(Type type, String cookieName, Duration timeout) {

  public enum Type { SOURCE_IP, HTTP_COOKIE, APP_COOKIE }
}
