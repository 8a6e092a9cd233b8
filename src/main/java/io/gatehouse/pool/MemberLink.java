package io.gatehouse.pool;

/**
 * Something open to a member that its drain may have to end: a TCP tunnel, a UDP session, a listener instance's
 * keep-alive connections. Registered with {@link Member#link} while open. Both calls come from the Runtime
 * context (or a timer): an implementation hops to its own event loop.
 */
public interface MemberLink {

  /** The member began draining: what is idle goes at once (pooled HTTP connections). */
  default void drainBegan() {
  }

  /** The drain's delay is over: everything still open to the member closes. */
  void sever();
}
