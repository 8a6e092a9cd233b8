package io.gatehouse.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What one parse found wrong (errors) or doubtful (warnings), in the order found. Every {@link ObjectReader}
 * registers here so that fields nobody read can be refused as unknown once the whole document was walked.
 */
final class Problems {
  private final List<ConfigError> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final List<ObjectReader> readers = new ArrayList<>();

  void error(String path, String message) {
    errors.add(new ConfigError(path, message));
  }

  void warn(String path, String message) {
    warnings.add("config warning: " + path + ": " + message);
  }

  void register(ObjectReader reader) {
    readers.add(reader);
  }

  boolean hasErrors() {
    return !errors.isEmpty();
  }

  /** Call once, after every object was read. */
  void reportUnknownFields() {
    readers.forEach(ObjectReader::reportUnread);
  }

  List<ConfigError> errors() {
    return List.copyOf(errors);
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }
}
