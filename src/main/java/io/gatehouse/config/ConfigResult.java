package io.gatehouse.config;

import java.util.List;

/**
 * What a parse gives: the configuration (null iff there are errors), every error and warning found, and the
 * digest of the document's canonical form (null when the text is not JSON), which ignores formatting and key
 * order so that a reload of a reformatted file is recognised as unchanged, and the same digest without the
 * {@code node} section ({@code sharedDigest}), which nodes of a cluster compare to find drift.
 */
public record ConfigResult(GatehouseConfig config, List<ConfigError> errors, List<String> warnings, String digest,
    String sharedDigest) {

  public ConfigResult {
    errors = List.copyOf(errors);
    warnings = List.copyOf(warnings);
    if ((config == null) == errors.isEmpty()) {
      throw new IllegalArgumentException("a result has a configuration or errors, never both nor neither");
    }
  }

  public boolean ok() {
    return errors.isEmpty();
  }

  /** The contract's {@code config error: <path>: <what>} lines. */
  public List<String> errorLines() {
    return errors.stream().map(ConfigError::toString).toList();
  }
}
