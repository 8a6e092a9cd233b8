package io.gatehouse.health;

/**
 * How a node's health checkers share the probing with other nodes: each member has one owner that probes it
 * and publishes its status changes; the other nodes apply them. Called on the Runtime context; never blocks.
 */
public interface HealthShare {

  /** Whether this node probes {@code member} of {@code pool} (the only prober in a cluster). */
  boolean owns(String pool, String member);

  /** The last status the cluster holds for the member, or null. */
  SharedStatus current(String pool, String member);

  /** Publishes a status change made by this node as the member's owner. */
  void publish(String pool, String member, SharedStatus status);

  /** Asks the member's owner for a probe now (passive detection saw failures here). */
  void askProbe(String pool, String member);

  /** A standalone node: it probes everything and shares nothing. */
  HealthShare LOCAL = new HealthShare() {
    @Override
    public boolean owns(String pool, String member) {
      return true;
    }

    @Override
    public SharedStatus current(String pool, String member) {
      return null;
    }

    @Override
    public void publish(String pool, String member, SharedStatus status) {
    }

    @Override
    public void askProbe(String pool, String member) {
    }
  };
}
