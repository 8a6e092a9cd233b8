package io.gatehouse.listener;

import io.gatehouse.config.ListenerConfig.ClientRate;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one listener knows per client address (keyed by the address's 64-bit hash): its connections open now,
 * for {@code client_connection_limit}, and a token bucket for {@code client_request_rate}. Thread-safe; an entry
 * with nothing open is dropped by {@link #sweep} once its bucket has refilled, so the table stays as small as
 * the set of recent clients.
 */
final class ClientTable {

  private static final long IDLE_NANOS = 60_000_000_000L;

  private final ConcurrentHashMap<Long, Client> clients = new ConcurrentHashMap<>();

  private static final class Client {
    int open;
    double tokens = Double.NaN; // full on first use
    long refilledNanos;
  }

  /** Counts a new connection unless the client already has {@code limit} open; false when refused. */
  boolean tryOpen(long key, int limit) {
    boolean[] admitted = {false};
    clients.compute(key, (k, c) -> {
      Client client = c == null ? new Client() : c;
      if (client.open < limit) {
        client.open++;
        admitted[0] = true;
      }
      return client;
    });
    return admitted[0];
  }

  void close(long key) {
    clients.computeIfPresent(key, (k, c) -> {
      c.open--;
      return c;
    });
  }

  /** Takes one token from the client's bucket; false when it is empty (the request gets 429). */
  boolean tryRequest(long key, ClientRate rate, long nowNanos) {
    Client c = clients.computeIfAbsent(key, k -> new Client());
    synchronized (c) {
      if (Double.isNaN(c.tokens)) {
        c.tokens = rate.burst();
      } else {
        c.tokens = Math.min(rate.burst(), c.tokens + (nowNanos - c.refilledNanos) * rate.perSecond() / 1e9);
      }
      c.refilledNanos = nowNanos;
      if (c.tokens >= 1) {
        c.tokens -= 1;
        return true;
      }
      return false;
    }
  }

  /** Drops clients with nothing open that have been quiet for a minute. */
  void sweep(long nowNanos) {
    clients.entrySet().removeIf(e -> {
      Client c = e.getValue();
      synchronized (c) {
        return c.open <= 0 && nowNanos - c.refilledNanos > IDLE_NANOS;
      }
    });
  }
}
