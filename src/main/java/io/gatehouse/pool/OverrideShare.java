package io.gatehouse.pool;

/**
 * Where member overrides set on this node go so that every node applies them (the cluster), and where those set
 * elsewhere come in. Standalone: {@link #LOCAL}, nowhere.
 */
public interface OverrideShare {

  OverrideShare LOCAL = (pool, member, override) -> override;

  /** Overrides set on other nodes (and on this one, echoed), applied on the Runtime context. */
  @FunctionalInterface
  interface Sink {
    /** {@code override} null: cleared. */
    void apply(String pool, String member, MemberOverride override);
  }

  /**
   * Shares {@code override} of {@code pool}'s member {@code member} (its identity); null clears it. Never blocks.
   *
   * @return the override as shared: its time may be moved past the newest one seen for the member, so that it wins
   */
  MemberOverride publish(String pool, String member, MemberOverride override);
}
