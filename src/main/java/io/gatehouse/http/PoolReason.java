package io.gatehouse.http;

import java.util.Locale;

/** Why a request went to its pool: the route API's {@code pool_reason}. */
public enum PoolReason {
  /** The only pool the listener or policy names. */
  SINGLE,
  /** A new client of a split, by weight. */
  WEIGHTED,
  /** The client's signed {@code GATEHOUSE_POOL} cookie ({@code split_sticky}). */
  SPLIT_STICKY,
  /** The client's session with a member of that pool (its session_persistence). */
  STICKY;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The contract's spelling, e.g. {@code split_sticky}. */
  public String label() {
    return label;
  }
}
