package io.gatehouse.config;

/** One problem in a configuration, at a JSON path from the root ({@code $.listeners[2].protocol_port}). */
public record ConfigError(String path, String message) {

  /** The contract's line: {@code config error: <json path>: <what is wrong>}. */
  @Override
  public String toString() {
    return "config error: " + path + ": " + message;
  }
}
