package io.gatehouse.pool;

import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.MemberTlsConfig;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.config.SessionPersistence;
import io.gatehouse.session.StickyEntry;
import io.gatehouse.session.StickyTable;
import io.gatehouse.tls.MemberTls;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A pool for as long as its name stays in the configuration. Picks run on any event loop and read the current
 * {@link PoolSnapshot} once; {@link #apply} and {@link #rebuild} run on the Runtime context only, which owns
 * the member map.
 */
public final class Pool {

  private final String name;
  private final StickyTable sticky;
  /** In a cluster: SOURCE_IP-persistent first picks hash the client address (see {@link PoolSnapshot#stickyBalancer}). */
  private final boolean hashFirstPicks;
  private final Map<String, Member> members = new LinkedHashMap<>();
  /** Members a reload removed that still drain: shown in the status until their last connection ends. */
  private final Map<String, Member> retired = new LinkedHashMap<>();
  private volatile List<Member> retiredView = List.of();
  private volatile PoolSnapshot snapshot;
  /** HTTPS pools: how members are spoken to and checked, set by the Runtime; null until then, and for others. */
  private volatile MemberTls memberTls;

  public Pool(PoolConfig config, StickyTable sticky, Function<MemberConfig, SocketAddress> resolver) {
    this(config, sticky, resolver, false);
  }

  /**
   * @param hashFirstPicks true in a cluster: a first pick under SOURCE_IP persistence uses the client-address
   *     hash whatever the algorithm, so that nodes seeing the same new client at once choose alike
   */
  public Pool(PoolConfig config, StickyTable sticky, Function<MemberConfig, SocketAddress> resolver,
      boolean hashFirstPicks) {
    this.name = config.name();
    this.sticky = sticky;
    this.hashFirstPicks = hashFirstPicks;
    apply(config, resolver);
  }

  public String name() {
    return name;
  }

  public PoolSnapshot snapshot() {
    return snapshot;
  }

  public PoolConfig config() {
    return snapshot.config();
  }

  /**
   * HTTPS pools: the TLS settings for new member connections and probes; null for other pools, and for an HTTPS
   * pool with {@code ca_certificate} that has none yet (its members are then refused, never spoken to unchecked).
   */
  public MemberTls memberTls() {
    MemberTls t = memberTls;
    if (t == null && config().protocol() == PoolProtocol.HTTPS && config().memberTls().equals(MemberTlsConfig.NONE)) {
      return MemberTls.insecure(); // what such a pool always did: any certificate, no SNI
    }
    return t;
  }

  /** Runtime context only: new member TLS settings (a new CA or name) for new connections and probes. */
  public void useMemberTls(MemberTls next) {
    this.memberTls = next;
  }

  public StickyTable sticky() {
    return sticky;
  }

  /**
   * Chooses a member for a new connection or request.
   *
   * @param clientIp the client address as text: the sticky key under SOURCE_IP persistence
   * @param clientHash {@code ClientHash} of the client address, for SOURCE_IP hashing
   */
  public Pick pick(String clientIp, long clientHash) {
    PoolSnapshot s = snapshot;
    if (s.usable().isEmpty()) {
      return Pick.NONE;
    }
    SessionPersistence persistence = s.config().sessionPersistence();
    if (persistence != null && persistence.type() == SessionPersistence.Type.SOURCE_IP) {
      return pickSticky(s, clientIp, clientHash, persistence);
    }
    return fresh(s, clientHash);
  }

  /** A member other than {@code failed} after a connect failure, or {@link Pick#NONE}. */
  public Pick pickOther(Member failed, String clientIp, long clientHash) {
    PoolSnapshot s = snapshot;
    Member m = s.balancer().pickOther(failed, clientHash);
    if (m == null) {
      return Pick.NONE;
    }
    SessionPersistence persistence = s.config().sessionPersistence();
    if (persistence != null && persistence.type() == SessionPersistence.Type.SOURCE_IP) {
      sticky.record(clientIp, m.id(), persistence.timeout());
    }
    return new Pick(m, algorithmReason(s));
  }

  /**
   * Looks {@code key} up in the sticky table: the member when it is still usable (refreshing the entry), else
   * null after forgetting a stale entry. Used by SOURCE_IP here and by APP_COOKIE in the HTTP listener.
   */
  public Member stickyMember(PoolSnapshot s, String key, SessionPersistence persistence) {
    String id = sticky.lookup(key);
    if (id == null) {
      return null;
    }
    Member m = s.usableMember(id);
    if (m == null) {
      sticky.forget(key);
      return null;
    }
    sticky.touch(key, persistence.timeout());
    return m;
  }

  private Pick pickSticky(PoolSnapshot s, String clientIp, long clientHash, SessionPersistence persistence) {
    Member m = stickyMember(s, clientIp, persistence);
    if (m != null) {
      return new Pick(m, PickReason.STICKY);
    }
    Member first = s.stickyBalancer().pick(clientHash);
    if (first == null) {
      return Pick.NONE;
    }
    sticky.record(clientIp, first.id(), persistence.timeout());
    return new Pick(first, s.stickyBalancer() == s.balancer() ? algorithmReason(s) : PickReason.HASH);
  }

  /** A pick by the pool's algorithm alone, ignoring persistence. */
  public Pick fresh(PoolSnapshot s, long clientHash) {
    Member m = s.balancer().pick(clientHash);
    return m == null ? Pick.NONE : new Pick(m, algorithmReason(s));
  }

  // --- previews for the admin route API: no sticky entry recorded, refreshed or forgotten, no rotation advanced ---

  /** Where {@link #pick} would send this client now, changing nothing. */
  public Pick peek(String clientIp, long clientHash) {
    PoolSnapshot s = snapshot;
    if (s.usable().isEmpty()) {
      return Pick.NONE;
    }
    SessionPersistence persistence = s.config().sessionPersistence();
    if (persistence != null && persistence.type() == SessionPersistence.Type.SOURCE_IP) {
      Member m = peekSticky(s, clientIp);
      if (m != null) {
        return new Pick(m, PickReason.STICKY);
      }
    }
    return peekFresh(s, clientHash);
  }

  /** The usable member the sticky entry {@code key} names, read without touching the entry; else null. */
  public Member peekSticky(PoolSnapshot s, String key) {
    StickyEntry e = sticky.entry(key);
    return e == null ? null : s.usableMember(e.memberId());
  }

  /** What {@link #fresh} would pick now, without advancing the balancer. */
  public Pick peekFresh(PoolSnapshot s, long clientHash) {
    Member m = s.balancer().peek(clientHash);
    return m == null ? Pick.NONE : new Pick(m, algorithmReason(s));
  }

  private static PickReason algorithmReason(PoolSnapshot s) {
    return switch (s.config().lbAlgorithm()) {
      case ROUND_ROBIN -> PickReason.ROUND_ROBIN;
      case LEAST_CONNECTIONS -> PickReason.LEAST_CONNECTIONS;
      case SOURCE_IP -> PickReason.HASH;
    };
  }

  // --- Runtime context only ---

  /**
   * Applies a (possibly changed) configuration in place: members that stay keep their counters and health,
   * new ones start as the contract says (ONLINE when monitored, NO_MONITOR otherwise), removed ones go. A removed
   * member that comes back while it still drains is the same member again.
   *
   * @return the members this configuration removed (to be drained by the caller)
   */
  public List<Member> apply(PoolConfig config, Function<MemberConfig, SocketAddress> resolver) {
    Map<String, Member> next = new LinkedHashMap<>();
    for (MemberConfig mc : config.members()) {
      Member m = members.get(mc.id());
      if (m == null) {
        m = retired.remove(mc.id());
      }
      SocketAddress address = resolver.apply(mc);
      if (m == null) {
        m = new Member(mc, address, MemberHealth.initial(config.healthMonitor() != null));
      } else {
        m.update(mc, address);
        boolean monitored = config.healthMonitor() != null;
        // a monitor added or removed: NO_MONITOR <-> ONLINE as the contract says for new members
        if (monitored == (m.health().status() == MemberStatus.NO_MONITOR)) {
          m.setHealth(MemberHealth.initial(monitored));
        }
      }
      next.put(mc.id(), m);
    }
    List<Member> removed = new ArrayList<>();
    members.forEach((id, m) -> {
      if (!next.containsKey(id)) {
        removed.add(m);
        retired.put(id, m);
      }
    });
    members.clear();
    members.putAll(next);
    snapshot = PoolSnapshot.build(config, new ArrayList<>(members.values()), hashFirstPicks);
    retiredView = List.copyOf(retired.values());
    return removed;
  }

  /** Removed members whose drain is over and that have nothing open any more are forgotten. */
  public void forgetDrained() {
    if (retired.values().removeIf(m -> m.active() == 0)) {
      retiredView = List.copyOf(retired.values());
    }
  }

  /** Members a reload removed that still have connections open, draining. Any thread. */
  public List<Member> retired() {
    return retiredView;
  }

  /** Rebuilds the snapshot after a health or slow-start change. */
  public void rebuild() {
    snapshot = PoolSnapshot.build(snapshot.config(), new ArrayList<>(members.values()), hashFirstPicks);
  }

  public Member member(String id) {
    return members.get(id);
  }

  /** The member at {@code address} (any spelling of it) and {@code port}, or null. Runtime context only. */
  public Member memberAt(String address, int port) {
    for (Member m : members.values()) {
      if (m.config().isAt(address, port)) {
        return m;
      }
    }
    return null;
  }

  public List<Member> members() {
    return snapshot.members();
  }
}
