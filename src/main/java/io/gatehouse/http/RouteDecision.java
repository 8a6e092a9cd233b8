package io.gatehouse.http;

/** Where an HTTP request goes, decided by the listener's forwarding policies; {@code policy} is null for the default pool. */
public sealed interface RouteDecision {

  String policy();

  /** Proxy to a member of {@code pool}. */
  record ToPool(String policy, String pool) implements RouteDecision {}

  /** Proxy to a member of one of the split's pools, chosen per request ({@link PoolSplit}). */
  record ToSplit(String policy, PoolSplit split) implements RouteDecision {}

  /** Answer with a redirect to {@code location}. */
  record Redirect(String policy, int status, String location) implements RouteDecision {}

  /** Answer with a fixed response. */
  record Fixed(String policy, int status, String contentType, String body) implements RouteDecision {}
}
