package io.gatehouse.runtime;

/** A listener whose port could not be bound: the contract's {@code bind error: listener <name>: <reason>}. */
public final class BindException extends RuntimeException {

  public BindException(String listener, Throwable cause) {
    super("bind error: listener " + listener + ": " + cause.getMessage(), cause);
  }
}
