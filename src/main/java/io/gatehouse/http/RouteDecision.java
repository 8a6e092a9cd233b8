package io.gatehouse.http;

import io.gatehouse.config.HttpEdits;

/** Where an HTTP request goes, decided by the listener's forwarding policies; {@code policy} is null for the default pool. */
public sealed interface RouteDecision {

  String policy();

  /** The rewrite and header actions on the way to a member and back (the policy's over the listener's). */
  default HttpEdits edits() {
    return HttpEdits.NONE;
  }

  /** Proxy to a member of {@code pool}. */
  record ToPool(String policy, String pool, HttpEdits edits) implements RouteDecision {
    public ToPool(String policy, String pool) {
      this(policy, pool, HttpEdits.NONE);
    }
  }

  /** Proxy to a member of one of the split's pools, chosen per request ({@link PoolSplit}). */
  record ToSplit(String policy, PoolSplit split, HttpEdits edits) implements RouteDecision {}

  /** Answer with a redirect to {@code location}. */
  record Redirect(String policy, int status, String location) implements RouteDecision {}

  /** Answer with a fixed response. */
  record Fixed(String policy, int status, String contentType, String body) implements RouteDecision {}
}
