package io.gatehouse.tls;

/** A certificate or key file that cannot be used; the message says why, short enough for a log line. */
final class BadPem extends Exception {
  BadPem(String message) {
    super(message, null, false, false);
  }
}
