package io.gatehouse.metrics;

import io.gatehouse.cluster.ClusterNode;
import io.gatehouse.cluster.ClusterWriter;
import io.gatehouse.cluster.RejectedEntries;
import io.gatehouse.health.HealthChecker;
import io.gatehouse.health.ProbeCounts;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.listener.Refusal;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberStatus;
import io.gatehouse.pool.Pool;
import io.gatehouse.runtime.RuntimeView;
import io.gatehouse.tls.ServedCertificate;
import io.gatehouse.tls.TlsEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Every meter of one gateway, with every metric name and tag here or in {@link RequestMeters} (the contract's
 * Metrics table). Almost all meters are functions bound to counters the listeners, members and health checkers
 * keep anyway, so traffic pays nothing extra; only the HTTP request meters are recorded per request.
 * {@link #refresh} binds them to the Runtime's current view, following listeners, pools and members as reloads add
 * and remove them. Micrometer's dotted names become the Prometheus names ({@code _total} and {@code _seconds}
 * added).
 */
public final class GatehouseMeters {

  static final String LISTENER_CONNECTIONS = "gatehouse.listener.connections";
  static final String LISTENER_ACTIVE = "gatehouse.listener.connections.active";
  static final String LISTENER_REFUSED = "gatehouse.listener.connections.refused";
  static final String LISTENER_BYTES = "gatehouse.listener.bytes";
  static final String MEMBER_ACTIVE = "gatehouse.member.connections.active";
  static final String MEMBER_CONNECTIONS = "gatehouse.member.connections";
  static final String MEMBER_FAILURES = "gatehouse.member.failures";
  static final String MEMBER_STATUS = "gatehouse.member.status";
  static final String POOL_MEMBERS_USABLE = "gatehouse.pool.members.usable";
  static final String MEMBER_TLS_FAILURES = "gatehouse.member.tls.failures";
  static final String HEALTH_PROBES = "gatehouse.health.probes";
  static final String HEALTH_PROBE_DURATION = "gatehouse.health.probe.duration";
  static final String CONFIG_RELOADS = "gatehouse.config.reloads";
  static final String CONFIG_VERSION = "gatehouse.config.version";
  static final String CLUSTER_MEMBERS = "gatehouse.cluster.members";
  static final String TLS_FAILURES = "gatehouse.tls.handshake.failures";
  static final String TLS_HANDSHAKES = "gatehouse.tls.handshakes";
  static final String CLUSTER_WRITES = "gatehouse.cluster.writes";
  static final String CLUSTER_DROPPED = "gatehouse.cluster.writes.dropped";
  static final String CLUSTER_REJECTED = "gatehouse.cluster.rejected";
  static final String CERTIFICATE_RELOADS = "gatehouse.tls.certificate.reloads";
  static final String BUILD_INFO = "gatehouse.build.info";
  static final String CONFIG_LAST_SUCCESS = "gatehouse.config.last.reload.success.timestamp.seconds";
  static final String ACCESS_LOG_DROPPED = "gatehouse.access.log.dropped";
  static final String MEMBER_HEALTH_CHANGES = "gatehouse.member.health.changes";
  static final String OCSP_FETCHES = "gatehouse.tls.ocsp.fetches";
  static final String CERTIFICATE_EXPIRY = "gatehouse.tls.certificate.expiry.timestamp.seconds";
  static final String EVENT_LOOP_PENDING = "gatehouse.event.loop.pending.tasks";

  static final String LISTENER = "listener";
  static final String POOL = "pool";
  static final String MEMBER = "member";
  static final String CODE = "code";
  static final String REASON = "reason";
  static final String RESUMED = "resumed";
  static final String DIRECTION = "direction";
  static final String RESULT = "result";
  static final String STATUS = "status";
  static final String CERTIFICATE = "certificate";
  static final String LOOP = "loop";

  /** The tag value where a request had no pool or no member (a redirect, a fixed response, no usable member). */
  static final String NONE = "none";

  public static final String APPLIED = "applied";
  public static final String REFUSED = "refused";
  public static final String UNCHANGED = "unchanged";

  private final PrometheusMeterRegistry registry;
  private final Supplier<RuntimeView> view;
  private final RequestMeters requests;
  private final Map<String, Counter> reloads = new HashMap<>();
  /** What each bound group of meters reads (kept strongly: Micrometer holds function targets weakly). */
  private final Map<String, Bound> bound = new HashMap<>();
  /** Epoch milliseconds of the last load or reload that succeeded (applied or unchanged). */
  private final AtomicLong lastReloadSuccess;

  private record Bound(Object target, List<Meter> meters) {}

  /**
   * @param view the Runtime's current view
   * @param requests the per-request meters in the same registry, pruned as listeners, pools and members go
   * @param cluster this node's cluster membership, or null when standalone
   */
  public GatehouseMeters(PrometheusMeterRegistry registry, Supplier<RuntimeView> view, RequestMeters requests,
      ClusterNode cluster) {
    this.registry = registry;
    this.view = view;
    this.requests = requests;
    // the first load counts: it is in force from the start
    this.lastReloadSuccess = new AtomicLong(view.get().version().loadedAt().toEpochMilli());
    Gauge.builder(CONFIG_LAST_SUCCESS, lastReloadSuccess, t -> t.get() / 1000.0)
        .description("when a configuration was last loaded or reloaded successfully (applied or unchanged),"
            + " seconds since the epoch; a refused reload leaves it").strongReference(true).register(registry);
    for (String result : List.of(APPLIED, REFUSED, UNCHANGED)) {
      reloads.put(result, Counter.builder(CONFIG_RELOADS).tag(RESULT, result)
          .description("configuration reloads by result").register(registry));
    }
    Gauge.builder(CONFIG_VERSION, view, v -> v.get().version().number())
        .description("number of the running configuration version").strongReference(true).register(registry);
    if (cluster != null) {
      ClusterWriter writer = cluster.writer();
      FunctionTimer.builder(CLUSTER_WRITES, writer, ClusterWriter::writes, ClusterWriter::writeNanos,
              TimeUnit.NANOSECONDS)
          .description("writes to the cluster's shared maps (one writer thread, never an event loop)")
          .register(registry);
      FunctionCounter.builder(CLUSTER_DROPPED, writer, ClusterWriter::dropped)
          .description("cluster writes dropped: queue full or cluster unreachable").register(registry);
      RejectedEntries rejected = cluster.rejected();
      for (String map : RejectedEntries.MAPS) {
        for (String reason : RejectedEntries.REASONS) {
          FunctionCounter.builder(CLUSTER_REJECTED, rejected, r -> r.count(map, reason))
              .description("shared entries this node ignored: not sealed by a secret it holds, not Gatehouse's,"
                  + " or out of sequence").tags("map", map, "reason", reason).register(registry);
        }
      }
    }
    // standalone: this node alone
    Gauge.builder(CLUSTER_MEMBERS, view, v -> v.get().cluster().enabled() ? v.get().cluster().size() : 1)
        .description("gateway nodes in the cluster").strongReference(true).register(registry);
  }

  /** {@code gatehouse_build_info{version,commit,java} 1}: what runs, for dashboards and alerts on mixed versions. */
  public void buildInfo(String version, String commit) {
    Gauge.builder(BUILD_INFO, () -> 1).tags("version", version, "commit", commit, "java",
        System.getProperty("java.version")).description("the gateway's build; always 1").strongReference(true)
        .register(registry);
  }

  /** {@code gatehouse_access_log_dropped_total}: access log lines dropped because the writer fell behind. */
  public void accessLog(AccessLog log) {
    FunctionCounter.builder(ACCESS_LOG_DROPPED, log, AccessLog::dropped)
        .description("access log lines dropped, not written: the writer could not keep up (traffic is never held)")
        .register(registry);
  }

  /**
   * {@code gatehouse_event_loop_pending_tasks{loop}}: the tasks queued on each event loop (see
   * {@code vertx.EventLoops}); a queue that stays long means a loop that cannot keep up.
   */
  public void eventLoops(Map<String, IntSupplier> pendingTasks) {
    pendingTasks.forEach((loop, pending) -> Gauge.builder(EVENT_LOOP_PENDING, pending, IntSupplier::getAsInt)
        .tag(LOOP, loop).description("tasks queued on the event loop, waiting to run").strongReference(true)
        .register(registry));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter, bound to the current view first. */
  public String scrape() {
    refresh();
    return registry.scrape();
  }

  /** Counts a reload: {@link #APPLIED}, {@link #REFUSED} or {@link #UNCHANGED}. */
  public void reload(String result) {
    Counter c = reloads.get(result);
    if (c == null) {
      throw new IllegalArgumentException("unknown reload result " + result);
    }
    c.increment();
    if (!REFUSED.equals(result)) {
      lastReloadSuccess.set(System.currentTimeMillis());
    }
  }

  /**
   * (Re)binds the meters to the current view's listeners, pools, members and health checkers and removes those
   * of things that are gone. Any thread.
   */
  public synchronized void refresh() {
    RuntimeView v = view.get();
    Set<String> live = new HashSet<>();
    Map<String, Set<String>> membersByPool = new HashMap<>();
    for (ListenerState s : v.listeners().values()) {
      bind("listener " + s.name(), s, live, () -> listenerMeters(s));
      // reasons appear as handshakes fail: bound on the first scrape after the first failure of each kind
      s.tlsFailures().forEach((reason, count) -> bind("tls " + s.name() + " " + reason, count, live,
          () -> List.of(FunctionCounter.builder(TLS_FAILURES, count, LongAdder::sum)
              .tags(LISTENER, s.name(), REASON, reason)
              .description("TLS handshakes that failed, by reason").register(registry))));
      if (s.tls() != null) {
        certificatesByLabel(s.tls().certificates()).forEach((label, c) -> bind("certificate " + s.name() + " "
            + label, c, live, () -> List.of(Gauge.builder(CERTIFICATE_EXPIRY, c, cc -> cc.notAfter().getEpochSecond())
                .tags(LISTENER, s.name(), CERTIFICATE, label)
                .description("when the served certificate expires (its leaf's notAfter), seconds since the epoch")
                .register(registry))));
      }
    }
    for (ListenerState s : v.listeners().values()) {
      // like the handshake failures: bound on the first scrape after a certificate's first fetch of a result
      s.ocspFetches().counts().forEach((key, count) -> bind("ocsp " + s.name() + " " + key.certificate() + " "
          + key.result(), count, live, () -> List.of(FunctionCounter.builder(OCSP_FETCHES, count, LongAdder::sum)
              .tags(LISTENER, s.name(), CERTIFICATE, key.certificate(), RESULT, key.result())
              .description("OCSP responses fetched for stapling (success) or not (failure: the last good one stays "
                  + "until its nextUpdate)").register(registry))));
    }
    for (Pool p : v.pools().values()) {
      Set<String> ids = membersByPool.computeIfAbsent(p.name(), n -> new HashSet<>());
      // per pool, so that a pool with no members at all shows 0 too (it has no member_status series)
      bind("pool " + p.name(), p, live, () -> List.of(Gauge.builder(POOL_MEMBERS_USABLE, p, GatehouseMeters::usable)
          .tags(POOL, p.name()).description("members of the pool that take new traffic").register(registry)));
      for (Member m : p.members()) {
        ids.add(m.id());
        bind("member " + p.name() + " " + m.id(), m, live, () -> memberMeters(p.name(), m));
        // like the listeners' handshake failures: bound on the first scrape after the first failure of a reason
        m.tlsFailures().forEach((reason, count) -> bind("member tls " + p.name() + " " + m.id() + " " + reason,
            count, live, () -> List.of(FunctionCounter.builder(MEMBER_TLS_FAILURES, count, LongAdder::sum)
                .tags(POOL, p.name(), MEMBER, m.id(), REASON, reason)
                .description("TLS handshakes with the member that failed, by reason").register(registry))));
      }
    }
    for (HealthChecker checker : v.health().values()) {
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
    requests.retain(v.listeners().keySet(), membersByPool);
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
    if (s.tls() != null && s.tls().engine() == TlsEngine.OPENSSL) { // the JDK engine does not say which
      for (boolean resumed : new boolean[] {true, false}) {
        out.add(FunctionCounter.builder(TLS_HANDSHAKES, s, st -> st.tlsHandshakes(resumed)).tags(tags)
            .tag(RESUMED, String.valueOf(resumed))
            .description("TLS handshakes completed, resuming a session (ticket or ID) or full; boringssl engine only")
            .register(registry));
      }
    }
    if (s.tls() != null) {
      for (boolean applied : new boolean[] {true, false}) {
        out.add(FunctionCounter.builder(CERTIFICATE_RELOADS, s, st -> st.certificateReloads(applied)).tags(tags)
            .tag(RESULT, applied ? "applied" : "failed")
            .description("replaced certificate files taken into use, or refused while the running ones stay")
            .register(registry));
      }
    }
    return out;
  }

  /**
   * The served certificates by label (first DNS name); two with one name (an RSA and an ECDSA certificate for one
   * host) show as the one that expires first, which is the one to renew.
   */
  private static Map<String, ServedCertificate> certificatesByLabel(List<ServedCertificate> certificates) {
    Map<String, ServedCertificate> out = new HashMap<>();
    for (ServedCertificate c : certificates) {
      out.merge(c.label(), c, (a, b) -> a.notAfter().isAfter(b.notAfter()) ? b : a);
    }
    return out;
  }

  private Meter bytes(Tags tags, String direction, ListenerState s, ToDoubleFunction<ListenerState> f) {
    return FunctionCounter.builder(LISTENER_BYTES, s, f).tags(tags).tag(DIRECTION, direction)
        .description("bytes from clients (in) and to clients (out)").register(registry);
  }

  private List<Meter> memberMeters(String pool, Member m) {
    Tags tags = Tags.of(POOL, pool, MEMBER, m.id());
    List<Meter> out = new ArrayList<>();
    for (MemberStatus status : MemberStatus.values()) {
      out.add(FunctionCounter.builder(MEMBER_HEALTH_CHANGES, m, mm -> mm.healthChanges(status)).tags(tags)
          .tag(STATUS, status.name()).description("changes of the member's health status, by the status moved to")
          .register(registry));
    }
    out.addAll(List.of(
        Gauge.builder(MEMBER_ACTIVE, m, Member::active).tags(tags)
            .description("connections or requests open to the member now").register(registry),
        FunctionCounter.builder(MEMBER_CONNECTIONS, m, Member::total).tags(tags)
            .description("connections or requests sent to the member").register(registry),
        FunctionCounter.builder(MEMBER_FAILURES, m, Member::failures).tags(tags)
            .description("connect failures, resets and garbage answers seen on live traffic").register(registry),
        Gauge.builder(MEMBER_STATUS, m, mm -> mm.usable() ? 1 : 0).tags(tags)
            .description("1 when the member takes new traffic, else 0").register(registry)));
    return out;
  }

  private static double usable(Pool pool) {
    int n = 0;
    for (Member m : pool.members()) {
      n += m.usable() ? 1 : 0;
    }
    return n;
  }

  private List<Meter> probeMeters(String pool, String member, ProbeCounts counts) {
    Tags tags = Tags.of(POOL, pool, MEMBER, member);
    return List.of(
        FunctionCounter.builder(HEALTH_PROBES, counts, ProbeCounts::success).tags(tags).tag(RESULT, "success")
            .description("health probes by result").register(registry),
        FunctionCounter.builder(HEALTH_PROBES, counts, ProbeCounts::failure).tags(tags).tag(RESULT, "failure")
            .description("health probes by result").register(registry),
        FunctionTimer.builder(HEALTH_PROBE_DURATION, counts,
            c -> c.success() + c.failure(), ProbeCounts::totalNanos, TimeUnit.NANOSECONDS)
            .tags(tags).description("time the health probes took").register(registry));
  }
}
