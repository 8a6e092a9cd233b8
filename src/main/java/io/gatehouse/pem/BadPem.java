package io.gatehouse.pem;

/** A certificate or key file that cannot be used; the message says why, short enough for a log line. */
public final class BadPem extends Exception {
  public BadPem(String message) {
    super(message, null, false, false);
  }
}
