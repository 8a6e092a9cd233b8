package io.gatehouse.metrics;

import io.gatehouse.health.HealthChecker;
import io.gatehouse.health.ProbeCounts;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.listener.Refusal;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pool;
import io.gatehouse.runtime.Runtime;
import io.gatehouse.runtime.RunningListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Every meter of one gateway, with every metric name and tag in this file (the contract's Metrics table). Almost
 * all meters are functions bound to counters the listeners, members and health checkers keep anyway, so traffic
 * pays nothing extra; only the HTTP request counter and duration histogram are recorded per request, from
 * instances cached by their tag values. {@link #refresh} follows listeners, pools and members as reloads add and
 * remove them. Micrometer's dotted names become the Prometheus names ({@code _total} and {@code _seconds} added).
 */
public final class GatehouseMeters {

  static final String LISTENER_CONNECTIONS = "gatehouse.listener.connections";
  static final String LISTENER_ACTIVE = "gatehouse.listener.connections.active";
  static final String LISTENER_REFUSED = "gatehouse.listener.connections.refused";
  static final String LISTENER_BYTES = "gatehouse.listener.bytes";
  static final String HTTP_REQUESTS = "gatehouse.http.requests";
  static final String HTTP_DURATION = "gatehouse.http.request.duration";
  static final String MEMBER_ACTIVE = "gatehouse.member.connections.active";
  static final String MEMBER_CONNECTIONS = "gatehouse.member.connections";
  static final String MEMBER_FAILURES = "gatehouse.member.failures";
  static final String MEMBER_STATUS = "gatehouse.member.status";
  static final String HEALTH_PROBES = "gatehouse.health.probes";
  static final String HEALTH_PROBE_DURATION = "gatehouse.health.probe.duration";
  static final String CONFIG_RELOADS = "gatehouse.config.reloads";
  static final String CONFIG_VERSION = "gatehouse.config.version";
  static final String CLUSTER_MEMBERS = "gatehouse.cluster.members";
  static final String TLS_FAILURES = "gatehouse.tls.handshake.failures";
  static final String CLUSTER_WRITES = "gatehouse.cluster.writes";
  static final String CLUSTER_DROPPED = "gatehouse.cluster.writes.dropped";

  static final String LISTENER = "listener";
  static final String POOL = "pool";
  static final String MEMBER = "member";
  static final String CODE = "code";
  static final String REASON = "reason";
  static final String DIRECTION = "direction";
  static final String RESULT = "result";

  /** The tag value where a request had no pool or no member (a redirect, a fixed response, no usable member). */
  static final String NONE = "none";

  public static final String APPLIED = "applied";
  public static final String REFUSED = "refused";
  public static final String UNCHANGED = "unchanged";

  private static final Duration[] DURATION_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30), Duration.ofSeconds(60)};

  /**
   * The gateway's meters by its Vert.x instance: how the HTTP exchange, which knows its Vert.x instance but not
   * its gateway, finds where to record (a JVM may run several gateways, e.g. in tests).
   */
  private static final Map<Vertx, GatehouseMeters> BY_VERTX = new ConcurrentHashMap<>();

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Runtime runtime;
  private final Map<String, Counter> reloads = new HashMap<>();
  /** What each bound group of meters reads (kept strongly: Micrometer holds function targets weakly). */
  private final Map<String, Bound> bound = new HashMap<>();
  /** listener -> pool -> the request meters of that pair. */
  private final Map<String, Map<String, RequestMeters>> requests = new ConcurrentHashMap<>();

  private record Bound(Object target, List<Meter> meters) {}

  public GatehouseMeters(Runtime runtime) {
    this.runtime = runtime;
    for (String result : List.of(APPLIED, REFUSED, UNCHANGED)) {
      reloads.put(result, Counter.builder(CONFIG_RELOADS).tag(RESULT, result)
          .description("configuration reloads by result").register(registry));
    }
    Gauge.builder(CONFIG_VERSION, runtime, r -> r.version().number())
        .description("number of the running configuration version").strongReference(true).register(registry);
    if (runtime.clusterNode() != null) {
      io.gatehouse.cluster.ClusterWriter writer = runtime.clusterNode().writer();
      io.micrometer.core.instrument.FunctionTimer.builder(CLUSTER_WRITES, writer, w -> w.writes(),
          w -> w.writeNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)
          .description("writes to the cluster's shared maps (one writer thread, never an event loop)")
          .register(registry);
      FunctionCounter.builder(CLUSTER_DROPPED, writer, w -> w.dropped())
          .description("cluster writes dropped: queue full or cluster unreachable").register(registry);
    }
    // standalone: this node alone
    Gauge.builder(CLUSTER_MEMBERS, runtime, r -> r.cluster().enabled() ? r.cluster().size() : 1)
        .description("gateway nodes in the cluster").strongReference(true).register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** Counts a reload: {@link #APPLIED}, {@link #REFUSED} or {@link #UNCHANGED}. */
  public void reload(String result) {
    Counter c = reloads.get(result);
    if (c == null) {
      throw new IllegalArgumentException("unknown reload result " + result);
    }
    c.increment();
  }

  /** Makes these the meters that {@link #recordRequest} finds for {@code vertx}; undone by {@link #detach}. */
  public void attach(Vertx vertx) {
    BY_VERTX.put(vertx, this);
  }

  public void detach(Vertx vertx) {
    BY_VERTX.remove(vertx, this);
  }

  /**
   * Records one finished HTTP request of the gateway running on {@code vertx}: a map lookup per tag and no
   * allocation once the meters of that listener, pool, member and status exist.
   *
   * @param pool null when no pool was involved (redirect, fixed response)
   * @param member null when no member answered
   * @param code the status sent, 0 when the client left before any
   * @param startNanos {@link System#nanoTime()} when the request head arrived
   */
  public static void recordRequest(Vertx vertx, String listener, Pool pool, Member member, int code,
      long startNanos) {
    GatehouseMeters meters = BY_VERTX.get(vertx);
    if (meters != null) {
      meters.request(listener, pool == null ? NONE : pool.name(), member == null ? NONE : member.id(), code,
          System.nanoTime() - startNanos);
    }
  }

  void request(String listener, String pool, String member, int code, long nanos) {
    // get before computeIfAbsent: no capturing lambda, no bin lock once the meters exist
    Map<String, RequestMeters> byPool = requests.get(listener);
    if (byPool == null) {
      byPool = requests.computeIfAbsent(listener, l -> new ConcurrentHashMap<>());
    }
    RequestMeters m = byPool.get(pool);
    if (m == null) {
      m = byPool.computeIfAbsent(pool, p -> new RequestMeters(listener, p));
    }
    m.duration.record(nanos, TimeUnit.NANOSECONDS);
    m.counter(member, code).increment();
  }

  /** The request meters of one listener and pool: the duration histogram and a counter per member and status. */
  private final class RequestMeters {
    private final String listener;
    private final String pool;
    private final Timer duration;
    private final Map<String, AtomicReferenceArray<Counter>> byMember = new ConcurrentHashMap<>();

    RequestMeters(String listener, String pool) {
      this.listener = listener;
      this.pool = pool;
      this.duration = Timer.builder(HTTP_DURATION).tags(LISTENER, listener, POOL, pool)
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
            .tags(LISTENER, listener, POOL, pool, MEMBER, member, CODE, Integer.toString(status))
            .description("HTTP requests answered, by status code (0: the client left first)").register(registry);
        codes.set(status, c); // registering again returns the same counter, so a race loses nothing
      }
      return c;
    }

    void remove(Set<String> keepMembers) {
      byMember.entrySet().removeIf(e -> {
        if (keepMembers.contains(e.getKey())) {
          return false;
        }
        for (int i = 0; i < e.getValue().length(); i++) {
          Counter c = e.getValue().get(i);
          if (c != null) {
            registry.remove(c);
          }
        }
        return true;
      });
    }
  }

  /**
   * (Re)binds the meters to the Runtime's current listeners, pools, members and health checkers and removes
   * those of things that are gone. Call on the Runtime's context (after start and after each reload), where
   * its maps may be read.
   */
  public synchronized void refresh() {
    Set<String> live = new HashSet<>();
    Map<String, Set<String>> membersByPool = new HashMap<>();
    for (RunningListener r : runtime.listeners().values()) {
      ListenerState s = r.state();
      bind("listener " + s.name(), s, live, () -> listenerMeters(s));
      // reasons appear as handshakes fail: bound on the first scrape after the first failure of each kind
      s.tlsFailures().forEach((reason, count) -> bind("tls " + s.name() + " " + reason, count, live,
          () -> List.of(FunctionCounter.builder(TLS_FAILURES, count, LongAdder::sum)
              .tags(LISTENER, s.name(), REASON, reason)
              .description("TLS handshakes that failed, by reason").register(registry))));
    }
    for (Pool p : runtime.pools().all()) {
      Set<String> ids = membersByPool.computeIfAbsent(p.name(), n -> new HashSet<>());
      for (Member m : p.members()) {
        ids.add(m.id());
        bind("member " + p.name() + " " + m.id(), m, live, () -> memberMeters(p.name(), m));
      }
    }
    for (HealthChecker checker : runtime.health().values()) {
      checker.probeCounts().forEach((id, counts) -> bind("probes " + checker.poolName() + " " + id, counts, live,
          () -> probeMeters(checker.poolName(), id, counts)));
    }
    bound.entrySet().removeIf(e -> {
      if (live.contains(e.getKey())) {
        return false;
      }
      e.getValue().meters().forEach(registry::remove);
      return true;
    });
    Set<String> listeners = runtime.listeners().keySet();
    requests.entrySet().removeIf(byListener -> {
      if (!listeners.contains(byListener.getKey())) {
        byListener.getValue().values().forEach(m -> removeRequestMeters(m, Set.of()));
        return true;
      }
      byListener.getValue().entrySet().removeIf(byPool -> {
        Set<String> members = NONE.equals(byPool.getKey()) ? Set.of(NONE) : membersByPool.get(byPool.getKey());
        if (members == null) {
          removeRequestMeters(byPool.getValue(), Set.of());
          return true;
        }
        Set<String> keep = new HashSet<>(members);
        keep.add(NONE);
        byPool.getValue().remove(keep);
        return false;
      });
      return false;
    });
  }

  private void removeRequestMeters(RequestMeters m, Set<String> keepMembers) {
    m.remove(keepMembers);
    registry.remove(m.duration);
  }

  /** Binds {@code target}'s meters under {@code key} unless they are bound to that very object already. */
  private void bind(String key, Object target, Set<String> live, Supplier<List<Meter>> meters) {
    live.add(key);
    Bound b = bound.get(key);
    if (b != null && b.target() == target) {
      return;
    }
    if (b != null) {
      b.meters().forEach(registry::remove); // replaced (e.g. a listener whose protocol changed): counts restart
    }
    bound.put(key, new Bound(target, meters.get()));
  }

  private List<Meter> listenerMeters(ListenerState s) {
    Tags tags = Tags.of(LISTENER, s.name());
    List<Meter> out = new ArrayList<>();
    out.add(FunctionCounter.builder(LISTENER_CONNECTIONS, s, ListenerState::accepted).tags(tags)
        .description("client connections (UDP: sessions) accepted").register(registry));
    out.add(Gauge.builder(LISTENER_ACTIVE, s, ListenerState::active).tags(tags)
        .description("client connections (UDP: sessions) open now").register(registry));
    for (Refusal reason : Refusal.values()) {
      out.add(FunctionCounter.builder(LISTENER_REFUSED, s, st -> st.refused(reason)).tags(tags)
          .tag(REASON, reason.label()).description("clients turned away before anything was sent")
          .register(registry));
    }
    out.add(bytes(tags, "in", s, ListenerState::bytesIn));
    out.add(bytes(tags, "out", s, ListenerState::bytesOut));
    return out;
  }

  private Meter bytes(Tags tags, String direction, ListenerState s, ToDoubleFunction<ListenerState> f) {
    return FunctionCounter.builder(LISTENER_BYTES, s, f).tags(tags).tag(DIRECTION, direction)
        .description("bytes from clients (in) and to clients (out)").register(registry);
  }

  private List<Meter> memberMeters(String pool, Member m) {
    Tags tags = Tags.of(POOL, pool, MEMBER, m.id());
    return List.of(
        Gauge.builder(MEMBER_ACTIVE, m, Member::active).tags(tags)
            .description("connections or requests open to the member now").register(registry),
        FunctionCounter.builder(MEMBER_CONNECTIONS, m, Member::total).tags(tags)
            .description("connections or requests sent to the member").register(registry),
        FunctionCounter.builder(MEMBER_FAILURES, m, Member::failures).tags(tags)
            .description("connect failures, resets and garbage answers seen on live traffic").register(registry),
        Gauge.builder(MEMBER_STATUS, m, mm -> mm.usable() ? 1 : 0).tags(tags)
            .description("1 when the member takes new traffic, else 0").register(registry));
  }

  private List<Meter> probeMeters(String pool, String member, ProbeCounts counts) {
    Tags tags = Tags.of(POOL, pool, MEMBER, member);
    return List.of(
        FunctionCounter.builder(HEALTH_PROBES, counts, ProbeCounts::success).tags(tags).tag(RESULT, "success")
            .description("health probes by result").register(registry),
        FunctionCounter.builder(HEALTH_PROBES, counts, ProbeCounts::failure).tags(tags).tag(RESULT, "failure")
            .description("health probes by result").register(registry),
        io.micrometer.core.instrument.FunctionTimer.builder(HEALTH_PROBE_DURATION, counts,
            c -> c.success() + c.failure(), ProbeCounts::totalNanos, java.util.concurrent.TimeUnit.NANOSECONDS)
            .tags(tags).description("time the health probes took").register(registry));
  }
}
