package io.gatehouse.config;

import io.netty.handler.codec.quic.Quic;

/**
 * Whether QUIC listeners can run here: their native library (shipped for Linux x86-64 only) must load. Where it
 * cannot, the gateway runs every other listener and a configuration with a QUIC listener is refused with a
 * {@code config error:}, at {@code --check}, at start and on reload alike.
 */
public final class QuicSupport {

  private QuicSupport() {}

  /** Why QUIC listeners cannot run here, as the end of a config error line; null when they can. */
  public static String unavailable() {
    return unavailable(loadFailure());
  }

  /** The decision, given what loading the native library threw (null: it loaded). */
  static String unavailable(Throwable loadFailure) {
    if (loadFailure == null) {
      return null;
    }
    String why = loadFailure.getMessage() != null ? loadFailure.getMessage() : loadFailure.getClass().getName();
    Throwable cause = loadFailure.getCause();
    if (cause != null && cause.getMessage() != null && !why.contains(cause.getMessage())) {
      why += ": " + cause.getMessage();
    }
    return "QUIC listeners are unavailable on this machine (" + System.getProperty("os.name") + " "
        + System.getProperty("os.arch") + "): the native QUIC library did not load: " + why.replace('\n', ' ');
  }

  /** What loading the native library threw, else null; loads it on first use. */
  public static Throwable loadFailure() {
    try {
      return Quic.isAvailable() ? null : Quic.unavailabilityCause();
    } catch (LinkageError e) {
      return e; // the classes themselves missing or broken: the same answer
    }
  }
}
