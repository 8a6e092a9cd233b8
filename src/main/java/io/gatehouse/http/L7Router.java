package io.gatehouse.http;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.HttpEdits;
import io.gatehouse.config.L7Policy;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.PoolWeight;
import io.gatehouse.config.SplitSticky;
import io.gatehouse.pool.Pool;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A listener's forwarding policies, compiled once per configuration version and shared by every event loop
 * (immutable; REGEX matchers are per thread). Policies are tried by position; the first whose rules ALL match
 * decides, else the default pool.
 *
 * <p>Rule semantics, as HAProxy/Octavia users expect:
 * <ul>
 *   <li>HOST_NAME: the Host without port and without a trailing dot, case-insensitive (EQUAL_TO/STARTS_WITH
 *       values are lower-cased here, a REGEX ignores case).
 *   <li>PATH: the normal path without query ({@link RequestPath}: what the member gets), case-sensitive;
 *       {@code ;} parameters are part of their segment.
 *   <li>HEADER (key): the first value of that header, case-sensitive.
 *   <li>QUERY_STRING (key): the first value of that parameter, percent-decoded ('+' is a space); a bare
 *       {@code key} or {@code key=} has the empty value. The name compares raw, case-sensitively.
 *   <li>METHOD: upper case (values upper-cased here, a REGEX ignores case).
 *   <li>EQUAL_TO is exact, STARTS_WITH a prefix, REGEX an unanchored search ({@code Matcher.find}, like
 *       HAProxy's {@code -m reg}): anchor with ^ and $ to match whole values.
 *   <li>A missing header or parameter matches nothing, whatever the compare type.
 * </ul>
 * Decisions other than REDIRECT_TO_LISTENER are built at compile, so routing allocates only for that redirect. A
 * split between pools ({@code default_pools}, {@code redirect_pools}) is a {@link RouteDecision.ToSplit} whose
 * {@link PoolSplit} chooses the pool per request; a reload that leaves a split as it was keeps its rotation.
 * A decision to pass a request on carries its rewrite and header actions, the policy's merged over the listener's
 * here, once: rules see the request as the client sent it, before any rewrite.
 */
public final class L7Router {

  /** Where {@link #splits} keeps the default route's split: no policy is called this. */
  private static final String DEFAULT_ROUTE = "\0default";

  private final CompiledPolicy[] policies;
  private final RouteDecision defaultDecision;
  /** The splits by place (policy name, or {@link #DEFAULT_ROUTE}), for the router that replaces this one. */
  private final Map<String, PoolSplit> splits;

  private L7Router(CompiledPolicy[] policies, RouteDecision defaultDecision, Map<String, PoolSplit> splits) {
    this.policies = policies;
    this.defaultDecision = defaultDecision;
    this.splits = splits;
  }

  /** Compiles a listener's policies once per configuration version ({@code config} resolves redirect_listener). */
  public static L7Router compile(ListenerConfig listener, GatehouseConfig config) {
    return compile(listener, config, null);
  }

  /**
   * As {@link #compile(ListenerConfig, GatehouseConfig)}, for a reload: each split of {@code before} (the router
   * this one replaces; null for none) with the same pools and weights, at the same place (the default route or
   * the policy of that name), goes on with its rotation. Restarting it at every reload would hand a small share
   * nothing at all when reloads come more often than its turn (5 % comes once in 20 picks).
   */
  public static L7Router compile(ListenerConfig listener, GatehouseConfig config, L7Router before) {
    Map<String, PoolSplit> kept = before == null ? Map.of() : before.splits;
    Map<String, PoolSplit> splits = new HashMap<>();
    CompiledPolicy[] compiled = listener.l7Policies().stream()
        .map(p -> CompiledPolicy.of(p, config, p.edits().over(listener.edits()),
            split(p.name(), p.redirectPools(), listener.splitSticky(), kept, splits)))
        .toArray(CompiledPolicy[]::new);
    PoolSplit defaultSplit = split(DEFAULT_ROUTE, listener.defaultPools(), listener.splitSticky(), kept, splits);
    return new L7Router(compiled, toPools(null, listener.defaultPools(), defaultSplit, listener.edits()), splits);
  }

  /** The split of several pools at {@code place}, going on from the one kept there when it is the same; else null. */
  private static PoolSplit split(String place, List<PoolWeight> pools, SplitSticky sticky,
      Map<String, PoolSplit> kept, Map<String, PoolSplit> splits) {
    if (pools.size() < 2) {
      return null;
    }
    PoolSplit split = PoolSplit.of(pools, sticky, kept.get(place));
    splits.put(place, split);
    return split;
  }

  /** Where a connection or request goes when no policy decides: the default pool or split. */
  public RouteDecision defaultRoute() {
    return defaultDecision;
  }

  /**
   * TCP, SSL and UDP listeners: the pool of a new connection or session, the default pool or the split's choice
   * (a session there is the client address under SOURCE_IP persistence). Thread-safe.
   */
  public String connectionPool(Function<String, Pool> pools, String clientIp) {
    return defaultDecision instanceof RouteDecision.ToSplit s
        ? s.split().choose(pools, null, null, clientIp, false).pool()
        : ((RouteDecision.ToPool) defaultDecision).pool();
  }

  /** The first policy (by position) whose rules all match, else the default pool. Thread-safe. */
  public RouteDecision route(RequestView request) {
    for (CompiledPolicy policy : policies) {
      if (policy.matches(request)) {
        return policy.decide.apply(request);
      }
    }
    return defaultDecision;
  }

  /** One pool, or {@code split} between several; {@code edits} merged already. */
  private static RouteDecision toPools(String policy, List<PoolWeight> pools, PoolSplit split, HttpEdits edits) {
    return pools.size() == 1 ? new RouteDecision.ToPool(policy, pools.get(0).pool(), edits)
        : new RouteDecision.ToSplit(policy, split, edits);
  }

  private record CompiledPolicy(RuleMatcher[] rules, Function<RequestView, RouteDecision> decide) {

    /** {@code split}: the policy's split of several pools, else null. */
    static CompiledPolicy of(L7Policy p, GatehouseConfig config, HttpEdits edits, PoolSplit split) {
      List<RuleMatcher> rules = p.rules().stream().map(RuleMatcher::compile).toList();
      return new CompiledPolicy(rules.toArray(RuleMatcher[]::new), decision(p, config, edits, split));
    }

    private static Function<RequestView, RouteDecision> decision(L7Policy p, GatehouseConfig config,
        HttpEdits edits, PoolSplit split) {
      return switch (p.action()) {
        case REDIRECT_TO_POOL -> constant(toPools(p.name(), p.redirectPools(), split, edits));
        case REDIRECT_TO_URL -> constant(new RouteDecision.Redirect(p.name(), p.statusCode(), p.redirectUrl()));
        case FIXED_RESPONSE -> constant(new RouteDecision.Fixed(p.name(), p.statusCode(), p.contentType(), p.body()));
        case REDIRECT_TO_LISTENER -> {
          // The parser checked the listener exists; a missing one here is a bug, not a configuration error.
          ListenerConfig target = config.listener(p.redirectListener()).orElseThrow(
              () -> new IllegalStateException("unknown redirect_listener " + p.redirectListener()));
          ListenerRedirect redirect = new ListenerRedirect(target);
          yield request -> new RouteDecision.Redirect(p.name(), p.statusCode(), redirect.location(request));
        }
      };
    }

    private static Function<RequestView, RouteDecision> constant(RouteDecision decision) {
      return request -> decision;
    }

    boolean matches(RequestView request) {
      for (RuleMatcher rule : rules) {
        if (!rule.matches(request)) {
          return false;
        }
      }
      return true;
    }
  }
}
