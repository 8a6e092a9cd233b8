package io.gatehouse.pool;

/** Hears about failures on live traffic to a member; called on any event loop, so it must not block. */
@FunctionalInterface
public interface TrafficObserver {

  TrafficObserver NONE = (member, streak) -> { };

  /** {@code streak} is the number of consecutive failures including this one. */
  void failed(Member member, int streak);
}
