package io.gatehouse.http;

import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pool;

/** Where a finished HTTP request is counted: the gateway's meters, reached through the listener's services. */
@FunctionalInterface
public interface RequestMetrics {

  /** Counts nothing (tools and tests that run a listener without meters). */
  RequestMetrics NONE = (listener, pool, member, code, startNanos) -> { };

  /**
   * @param pool null when no pool was involved (redirect, fixed response)
   * @param member null when no member answered
   * @param code the status sent, 0 when the client left before any
   * @param startNanos {@link System#nanoTime()} when the request head arrived
   */
  void record(String listener, Pool pool, Member member, int code, long startNanos);

  /**
   * Counts an answer the listener gave before any request was routed (400, 408, 414, 429, 431): pool and member
   * {@code none}, no duration.
   */
  default void answered(String listener, int code) { }
}
