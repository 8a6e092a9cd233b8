package io.gatehouse.listener;

import io.gatehouse.config.ListenerConfig.ClientRate;
import java.util.HashMap;

/**
 * What one listener knows per client (keyed exactly by {@link ClientAddress#tableKey}: IPv4 /32, IPv6 /64): its
 * connections open now, for {@code client_connection_limit}, and a token bucket for {@code client_request_rate}.
 * At most {@code capacity} entries: a new client past it takes the place of the least recently used entry with
 * nothing open, and is refused when every entry has a connection open. Entries with nothing open are kept in
 * the order of their last use, so that both that eviction and the sweep of quiet clients cost only what they
 * remove. One lock per table; what it guards is a map look-up and a few pointer moves. A listener's table is made
 * of several of these ({@link ShardedClientTable}), so that its event loops do not all wait on one lock.
 */
final class ClientTable {

  /** The cap of each listener's table. */
  static final int MAX_CLIENTS = 100_000;
  private static final long IDLE_NANOS = 60_000_000_000L;

  private final int capacity;
  private final HashMap<Long, Client> clients = new HashMap<>();
  /** Sentinel of the circular list of entries with nothing open, least recently used first. */
  private final Client idle = new Client(0);

  private static final class Client {
    final long key;
    int open;
    double tokens = Double.NaN; // full on first use
    long refilledNanos;
    long usedNanos;
    Client prev = this;
    Client next = this;

    Client(long key) {
      this.key = key;
    }
  }

  ClientTable(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Counts a new connection unless the client already has {@code limit} open, or is new and the table is full of
   * clients with connections open; false when refused.
   */
  synchronized boolean tryOpen(long key, int limit, long nowNanos) {
    Client c = entry(key, nowNanos);
    if (c == null || c.open >= limit) {
      return false;
    }
    if (c.open++ == 0) {
      unlink(c);
    }
    return true;
  }

  synchronized void close(long key, long nowNanos) {
    Client c = clients.get(key);
    if (c != null && --c.open == 0) {
      c.usedNanos = nowNanos;
      linkLast(c);
    }
  }

  /** Takes one token from the client's bucket; false when it is empty (the request gets 429). */
  synchronized boolean tryRequest(long key, ClientRate rate, long nowNanos) {
    Client c = entry(key, nowNanos);
    if (c == null) {
      return true; // not reached: a request comes on an open connection, whose entry cannot be evicted
    }
    if (Double.isNaN(c.tokens)) {
      c.tokens = rate.burst();
    } else {
      c.tokens = Math.min(rate.burst(), c.tokens + (nowNanos - c.refilledNanos) * rate.perSecond() / 1e9);
    }
    c.refilledNanos = nowNanos;
    c.usedNanos = nowNanos;
    if (c.open == 0) {
      unlink(c);
      linkLast(c);
    }
    if (c.tokens >= 1) {
      c.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Drops clients with nothing open that have been quiet for a minute (their buckets are full again by then). */
  synchronized void sweep(long nowNanos) {
    for (Client c = idle.next; c != idle && nowNanos - c.usedNanos > IDLE_NANOS; c = idle.next) {
      unlink(c);
      clients.remove(c.key);
    }
  }

  synchronized int size() {
    return clients.size();
  }

  synchronized boolean contains(long key) {
    return clients.containsKey(key);
  }

  /** The client's entry, made when new (evicting the least recently used idle one at the cap); null when full. */
  private Client entry(long key, long nowNanos) {
    Client c = clients.get(key);
    if (c != null) {
      return c;
    }
    if (clients.size() >= capacity) {
      Client lru = idle.next;
      if (lru == idle) {
        return null;
      }
      unlink(lru);
      clients.remove(lru.key);
    }
    c = new Client(key);
    c.usedNanos = nowNanos;
    clients.put(key, c);
    linkLast(c);
    return c;
  }

  private void linkLast(Client c) {
    c.prev = idle.prev;
    c.next = idle;
    idle.prev.next = c;
    idle.prev = c;
  }

  private static void unlink(Client c) {
    c.prev.next = c.next;
    c.next.prev = c.prev;
    c.prev = c;
    c.next = c;
  }
}
