package io.gatehouse.runtime;

import java.util.List;

/**
 * What a reload did: the version running afterwards and whether it changed, or (version refused) every
 * {@code config error:} or {@code bind error:} line, with the running version untouched.
 */
public record ReloadOutcome(int version, boolean changed, List<String> errors) {

  public ReloadOutcome {
    errors = List.copyOf(errors);
  }

  public boolean refused() {
    return !errors.isEmpty();
  }
}
