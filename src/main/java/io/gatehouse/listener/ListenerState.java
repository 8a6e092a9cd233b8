package io.gatehouse.listener;

import io.gatehouse.config.IpGroup;
import io.gatehouse.config.ListenerConfig;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the instances of one listener (one per event loop) share: the current configuration, swapped in place by
 * the Runtime on a reload, and the counters behind {@code connection_limit} and the status document. Lock-free.
 */
public final class ListenerState {

  private volatile ListenerConfig config;
  private volatile boolean draining;
  private final AtomicInteger active = new AtomicInteger();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder refusedAcl = new LongAdder();
  private final LongAdder refusedLimit = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();

  public ListenerState(ListenerConfig config) {
    this.config = config;
  }

  public ListenerConfig config() {
    return config;
  }

  public String name() {
    return config.name();
  }

  /** Runtime context only: an in-place change (ACL, limit, timeouts, pool, headers, policies). */
  public void update(ListenerConfig next) {
    this.config = next;
  }

  /**
   * Admits a new client connection (or UDP session) or says why not. An admitted one counts as active until
   * {@link #release()}.
   */
  public Refusal admit(byte[] clientAddress) {
    ListenerConfig c = config;
    IpGroup acl = c.ipGroup();
    if (acl != null && !acl.admits(clientAddress)) {
      refusedAcl.increment();
      return Refusal.ACL;
    }
    int now = active.incrementAndGet();
    if (c.hasConnectionLimit() && now > c.connectionLimit()) {
      active.decrementAndGet();
      refusedLimit.increment();
      return Refusal.LIMIT;
    }
    accepted.increment();
    return null;
  }

  public void release() {
    active.decrementAndGet();
  }

  public void addBytes(long in, long out) {
    bytesIn.add(in);
    bytesOut.add(out);
  }

  public int active() {
    return active.get();
  }

  public long accepted() {
    return accepted.sum();
  }

  public long refused(Refusal reason) {
    return switch (reason) {
      case ACL -> refusedAcl.sum();
      case LIMIT -> refusedLimit.sum();
      case TLS -> 0;
    };
  }

  public long bytesIn() {
    return bytesIn.sum();
  }

  public long bytesOut() {
    return bytesOut.sum();
  }

  public boolean draining() {
    return draining;
  }

  public void startDraining() {
    draining = true;
  }
}
