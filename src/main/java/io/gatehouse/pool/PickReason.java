package io.gatehouse.pool;

import java.util.Locale;

/** Why a member was chosen (or not): shown in access logs and by the route API. */
public enum PickReason {
  STICKY, COOKIE, HASH, ROUND_ROBIN, LEAST_CONNECTIONS, NO_USABLE_MEMBER;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The contract's spelling, e.g. {@code round_robin}. */
  public String label() {
    return label;
  }
}
