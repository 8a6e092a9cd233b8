package io.gatehouse.http;

import io.gatehouse.balance.Balancer;
import io.gatehouse.balance.Target;
import io.gatehouse.config.PoolWeight;
import io.gatehouse.config.SplitSticky;
import io.gatehouse.pool.Pool;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.List;
import java.util.function.Function;

/**
 * A weighted split between pools ({@code default_pools}, {@code redirect_pools}), compiled once per configuration
 * version and shared by every event loop. In order: a client with a session in one of the pools (its
 * session_persistence: source address, gateway cookie or learned application cookie) keeps that pool, so that it
 * keeps its member; then, under {@code split_sticky}, the pool its valid {@code GATEHOUSE_POOL} cookie names; else
 * the next pool of a smooth weighted round robin over the pools of weight above 0. One rotation per split, shared
 * by the event loops (one atomic counter): any run of whole cycles gives each pool exactly its weight's share,
 * in the same order on every node. A reload that leaves the split as it was keeps its rotation; one that changes
 * its pools or weights starts the new one at the head of its cycle. A pool without a usable member is passed over.
 */
public final class PoolSplit {

  /** The cookie that keeps a client on its pool under {@code split_sticky}. */
  public static final String COOKIE = "GATEHOUSE_POOL";
  /**
   * What the cookie's MAC covers in place of a pool name (see {@link StickyCookie}): no configured pool is called
   * this, so a member cookie never verifies as a pool cookie, nor the reverse.
   */
  static final String SCOPE = "\0split";

  /** A pool as the round robin sees it. */
  private record Share(String id, int weight) implements Target {
    @Override
    public int active() {
      return 0;
    }
  }

  /**
   * @param pool the pool chosen
   * @param reason why
   * @param setCookie the {@code Set-Cookie} value to send with the member's answer, or null
   */
  public record Choice(String pool, PoolReason reason, String setCookie) {}

  private final List<PoolWeight> pools;
  private final Share[] shares;
  private final Balancer<Share> rotation;
  private final SplitSticky sticky;

  private PoolSplit(List<PoolWeight> pools, SplitSticky sticky, PoolSplit before) {
    this.pools = List.copyOf(pools);
    this.shares = pools.stream().map(w -> new Share(w.pool(), w.weight())).toArray(Share[]::new);
    List<Share> weighted = List.of(shares).stream().filter(s -> s.weight > 0).toList();
    this.rotation = before != null && before.pools.equals(this.pools) ? before.rotation
        : Balancer.smoothFromStart(weighted, weighted.stream().mapToInt(Share::weight).toArray());
    this.sticky = sticky;
  }

  public static PoolSplit of(List<PoolWeight> pools, SplitSticky sticky) {
    return new PoolSplit(pools, sticky, null);
  }

  /**
   * A split of a new configuration version that goes on with the rotation of {@code before} (null: none) when that
   * had the same pools and weights in the same order; else it starts at the head of its cycle.
   */
  public static PoolSplit of(List<PoolWeight> pools, SplitSticky sticky, PoolSplit before) {
    return new PoolSplit(pools, sticky, before);
  }

  /**
   * Chooses the pool of a request and moves the rotation on; {@code pools} finds a running pool by name.
   * {@code headers} null: an L4 connection, whose only session is its address (and no cookie).
   */
  public Choice choose(Function<String, Pool> pools, StickyCookie signer, MultiMap headers, String clientIp,
      boolean secure) {
    return of(pools, signer, headers, clientIp, secure, false);
  }

  /** Where {@link #choose} would send the request now, changing nothing (the route API). */
  public Choice preview(Function<String, Pool> pools, StickyCookie signer, MultiMap headers, String clientIp) {
    return of(pools, signer, headers, clientIp, false, true);
  }

  private Choice of(Function<String, Pool> pools, StickyCookie signer, MultiMap headers, String ip, boolean secure,
      boolean preview) {
    long now = System.currentTimeMillis();
    for (Share s : shares) {
      Pool pool = pools.apply(s.id);
      if (pool != null && MemberChoice.hasSession(pool, signer, headers, ip, now)) {
        return new Choice(s.id, PoolReason.STICKY, null);
      }
    }
    String value = sticky.enable() && headers != null ? Cookies.find(headers.getAll(HttpHeaders.COOKIE), COOKIE) : null;
    String named = value == null ? null : signer.verify(SCOPE, value, now);
    if (named != null && inSplit(named) && usable(pools, named)) {
      // an older key's cookie is signed again, so that retiring that key loses no client
      return new Choice(named, PoolReason.SPLIT_STICKY, signer.signedByCurrentKey(value) ? null
          : cookie(signer, named, now, secure));
    }
    String pool = weighted(pools, preview);
    return new Choice(pool, PoolReason.WEIGHTED, sticky.enable() ? cookie(signer, pool, now, secure) : null);
  }

  /** The rotation's next pool; when it has no usable member, the first that has one (else that pool: a 503). */
  private String weighted(Function<String, Pool> pools, boolean preview) {
    Share next = preview ? rotation.peek(0) : rotation.pick(0);
    if (usable(pools, next.id)) {
      return next.id;
    }
    for (Share s : shares) {
      if (s.weight > 0 && usable(pools, s.id)) {
        return s.id;
      }
    }
    return next.id;
  }

  private boolean inSplit(String pool) {
    for (Share s : shares) {
      if (s.id.equals(pool)) {
        return true;
      }
    }
    return false;
  }

  private static boolean usable(Function<String, Pool> pools, String name) {
    Pool p = pools.apply(name);
    return p != null && !p.snapshot().usable().isEmpty();
  }

  private String cookie(StickyCookie signer, String pool, long now, boolean secure) {
    long ttl = sticky.duration().toMillis();
    // the cookie counts whole seconds: rounded up, so that it lasts at least the duration
    return COOKIE + "=" + signer.issue(SCOPE, pool, now + ttl + 999) + "; Path=/; Max-Age=" + (ttl + 999) / 1000
        + "; HttpOnly" + (secure ? "; Secure" : "");
  }
}
