package io.gatehouse.metrics;

import io.gatehouse.http.RequestMetrics;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The meters recorded per HTTP request: {@code gatehouse_http_requests_total} and
 * {@code gatehouse_http_request_duration_seconds}. The listeners reach them through their services; a map lookup
 * per tag and no allocation once the meters of that listener, pool, member and status exist.
 */
public final class RequestMeters implements RequestMetrics {

  static final String HTTP_REQUESTS = "gatehouse.http.requests";
  static final String HTTP_DURATION = "gatehouse.http.request.duration";

  private static final Duration[] DURATION_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30), Duration.ofSeconds(60)};

  private final MeterRegistry registry;
  /** listener -> pool -> the request meters of that pair. */
  private final Map<String, Map<String, PairMeters>> requests = new ConcurrentHashMap<>();

  public RequestMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void record(String listener, Pool pool, Member member, int code, long startNanos) {
    record(listener, pool == null ? GatehouseMeters.NONE : pool.name(),
        member == null ? GatehouseMeters.NONE : member.id(), code, System.nanoTime() - startNanos);
  }

  void record(String listener, String pool, String member, int code, long nanos) {
    PairMeters m = pair(listener, pool);
    m.duration.record(nanos, TimeUnit.NANOSECONDS);
    m.counter(member, code).increment();
  }

  /** Counted without a duration: the head was refused or never came, so there is no request time to speak of. */
  @Override
  public void answered(String listener, int code) {
    pair(listener, GatehouseMeters.NONE).counter(GatehouseMeters.NONE, code).increment();
  }

  private PairMeters pair(String listener, String pool) {
    // get before computeIfAbsent: no capturing lambda, no bin lock once the meters exist
    Map<String, PairMeters> byPool = requests.get(listener);
    if (byPool == null) {
      byPool = requests.computeIfAbsent(listener, l -> new ConcurrentHashMap<>());
    }
    PairMeters m = byPool.get(pool);
    if (m == null) {
      m = byPool.computeIfAbsent(pool, p -> new PairMeters(listener, p));
    }
    return m;
  }

  /**
   * Removes the meters of listeners, pools and members that are gone.
   *
   * @param membersByPool the members of each running pool, by pool name
   */
  void retain(Set<String> listeners, Map<String, Set<String>> membersByPool) {
    requests.entrySet().removeIf(byListener -> {
      if (!listeners.contains(byListener.getKey())) {
        byListener.getValue().values().forEach(PairMeters::removeAll);
        return true;
      }
      byListener.getValue().entrySet().removeIf(byPool -> {
        Set<String> members = GatehouseMeters.NONE.equals(byPool.getKey())
            ? Set.of(GatehouseMeters.NONE) : membersByPool.get(byPool.getKey());
        if (members == null) {
          byPool.getValue().removeAll();
          return true;
        }
        byPool.getValue().retainMembers(members);
        return false;
      });
      return false;
    });
  }

  /** The request meters of one listener and pool: the duration histogram and a counter per member and status. */
  private final class PairMeters {
    private final String listener;
    private final String pool;
    private final Timer duration;
    private final Map<String, AtomicReferenceArray<Counter>> byMember = new ConcurrentHashMap<>();

    PairMeters(String listener, String pool) {
      this.listener = listener;
      this.pool = pool;
      this.duration = Timer.builder(HTTP_DURATION).tags(GatehouseMeters.LISTENER, listener, GatehouseMeters.POOL, pool)
          .description("HTTP request duration, from the request head to the end of the response")
          .serviceLevelObjectives(DURATION_BUCKETS).register(registry);
    }

    Counter counter(String member, int code) {
      int status = code >= 0 && code < 600 ? code : 0;
      AtomicReferenceArray<Counter> codes = byMember.get(member);
      if (codes == null) {
        codes = byMember.computeIfAbsent(member, m -> new AtomicReferenceArray<>(600));
      }
      Counter c = codes.get(status);
      if (c == null) {
        c = Counter.builder(HTTP_REQUESTS)
            .tags(GatehouseMeters.LISTENER, listener, GatehouseMeters.POOL, pool, GatehouseMeters.MEMBER, member,
                GatehouseMeters.CODE, Integer.toString(status))
            .description("HTTP requests answered, by status code (0: the client left first)").register(registry);
        codes.set(status, c); // registering again returns the same counter, so a race loses nothing
      }
      return c;
    }

    /** Keeps the counters of {@code members} and of requests that reached no member. */
    void retainMembers(Set<String> members) {
      byMember.entrySet().removeIf(e -> {
        if (members.contains(e.getKey()) || GatehouseMeters.NONE.equals(e.getKey())) {
          return false;
        }
        removeCounters(e.getValue());
        return true;
      });
    }

    void removeAll() {
      byMember.values().forEach(this::removeCounters);
      byMember.clear();
      registry.remove(duration);
    }

    private void removeCounters(AtomicReferenceArray<Counter> codes) {
      for (int i = 0; i < codes.length(); i++) {
        Counter c = codes.get(i);
        if (c != null) {
          registry.remove(c);
        }
      }
    }
  }
}
