package io.gatehouse.admin;

import io.gatehouse.balance.ClientHash;
import io.gatehouse.config.L7Policy;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.SessionPersistence;
import io.gatehouse.http.Cookies;
import io.gatehouse.http.MemberChoice;
import io.gatehouse.http.PoolReason;
import io.gatehouse.http.PoolSplit;
import io.gatehouse.http.RouteDecision;
import io.gatehouse.http.StickyCookie;
import io.gatehouse.listener.ListenerSettings;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.pool.PickReason;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolSnapshot;
import io.gatehouse.runtime.RuntimeView;
import io.gatehouse.session.StickyEntry;
import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * {@code GET /api/v1/route}: where a request or connection like the one described would go now, and why. It
 * takes the same steps as the listeners (forwarding policies, then {@link MemberChoice}: sticky entry, signed cookie
 * or learned application cookie, then the balancer) through side-effect-free previews: nothing is sent, no sticky
 * entry is recorded or refreshed, no round-robin position advances. A split between pools is previewed the same
 * way ({@link PoolSplit}), and {@code pool_reason} says why its pool. Reads the Runtime's view: any thread.
 */
final class RoutePreview {

  /** A query the preview cannot answer: the route API's 400. */
  static final class BadQuery extends RuntimeException {
    BadQuery(String message) {
      super(message);
    }
  }

  private RoutePreview() {}

  static JsonObject of(RuntimeView view, MultiMap params) {
    for (var e : params) {
      if (hasControl(e.getKey()) || hasControl(e.getValue())) {
        // refused, and not echoed: such a value would forge lines in a log or a header
        throw new BadQuery("a query parameter holds a control character");
      }
    }
    String name = params.get("listener");
    if (name == null || name.isEmpty()) {
      throw new BadQuery("listener is required");
    }
    ListenerState state = view.listener(name);
    if (state == null) {
      throw new BadQuery("unknown listener " + name);
    }
    String client = params.get("client");
    byte[] address = client == null ? null : NetUtil.createByteArrayFromIpAddressString(client);
    if (address == null) {
      throw new BadQuery("client must be an IP address, got " + (client == null ? "nothing" : client));
    }
    ListenerSettings settings = state.settings(); // once: the policies and the settings of one version
    ListenerConfig cfg = settings.config();
    JsonObject out = new JsonObject()
        .put("listener", cfg.name())
        .put("protocol", cfg.protocol().name())
        .put("client", ipText(address));
    QueryRequestView request = null;
    out.put("policy", null);
    RouteDecision decision = settings.router().defaultRoute(); // L4: the default pool or split
    if (cfg.protocol().isHttp()) {
      request = QueryRequestView.of(params, cfg.pathRules());
      out.put("path", request.path()); // the normal path the policies matched, and the member would get
      decision = settings.router().route(request);
      out.put("policy", decision.policy());
      out.put("action", action(cfg, decision));
      if (decision instanceof RouteDecision.Redirect r) {
        return out.put("pool", null).put("pool_reason", null).put("member", null).put("reason", "redirect")
            .put("status_code", r.status()).put("location", r.location());
      }
      if (decision instanceof RouteDecision.Fixed f) {
        return out.put("pool", null).put("pool_reason", null).put("member", null).put("reason", "fixed_response")
            .put("status_code", f.status());
      }
    } else {
      out.put("action", L7Policy.Action.REDIRECT_TO_POOL.name());
    }
    String pool;
    PoolReason poolReason = PoolReason.SINGLE;
    if (decision instanceof RouteDecision.ToSplit split) {
      PoolSplit.Choice c = split.split().preview(view.pools()::get, view.cookies(),
          request == null ? null : request.headers(), ipText(address));
      pool = c.pool();
      poolReason = c.reason();
    } else {
      pool = ((RouteDecision.ToPool) decision).pool();
    }
    out.put("pool", pool).put("pool_reason", poolReason.label());
    choose(out, view.pools(), view.cookies(), pool, ipText(address),
        ClientHash.of(address), request);
    return out;
  }

  /** The Octavia action name of the deciding policy; REDIRECT_TO_POOL for the default pool. */
  private static String action(ListenerConfig cfg, RouteDecision decision) {
    for (L7Policy p : cfg.l7Policies()) {
      if (p.name().equals(decision.policy())) {
        return p.action().name();
      }
    }
    return L7Policy.Action.REDIRECT_TO_POOL.name();
  }

  /**
   * The member choice, as the listener makes it ({@link MemberChoice}, previewing): L4 listeners and HTTP without
   * cookie persistence through the pool's pick (sticky source address first), HTTP_COOKIE through the signed
   * cookie, APP_COOKIE through the learned cookie value.
   */
  private static void choose(JsonObject out, java.util.Map<String, Pool> pools, StickyCookie signer, String poolName,
      String ip, long hash, QueryRequestView request) {
    Pool pool = pools.get(poolName);
    if (pool == null) {
      out.put("member", null).put("reason", PickReason.NO_USABLE_MEMBER.label()).put("members", new JsonArray());
      return;
    }
    PoolSnapshot s = pool.snapshot();
    SessionPersistence p = s.config().sessionPersistence();
    MemberChoice choice = MemberChoice.preview(pool, signer, request == null ? null : request.headers(), ip, hash);
    out.put("member", choice.found() ? new JsonObject()
            .put("address", choice.member().config().address())
            .put("protocol_port", choice.member().config().protocolPort())
        : null);
    out.put("reason", choice.reason().label());
    if (p != null) {
      out.put("sticky", sticky(pool, p, ip, request));
    }
    JsonArray considered = new JsonArray();
    s.members().forEach(m -> considered.add(StatusDocument.member(m).put("ejected", m.ejected())));
    out.put("members", considered);
  }

  /** The persistence type and, for table-kept entries, the entry found (member and time left). */
  private static JsonObject sticky(Pool pool, SessionPersistence p, String ip, QueryRequestView request) {
    JsonObject out = new JsonObject().put("type", p.type().name());
    String key = null;
    if (p.type() == SessionPersistence.Type.SOURCE_IP) {
      key = ip;
    } else if (p.type() == SessionPersistence.Type.APP_COOKIE && request != null) {
      String value = cookie(request, p.cookieName());
      key = value == null ? null : MemberChoice.appKey(value);
    }
    StickyEntry e = key == null ? null : pool.sticky().entry(key);
    if (e != null) {
      out.put("entry", new JsonObject().put("member", e.memberId()).put("expires_in_ms", e.expiresInMillis()));
    }
    return out;
  }

  private static String cookie(QueryRequestView request, String name) {
    List<String> headers = request.headers().getAll(HttpHeaders.COOKIE);
    return Cookies.find(headers, name);
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  /** The address as the listeners write it (sticky keys are this text). */
  private static String ipText(byte[] address) {
    try {
      return InetAddress.getByAddress(address).getHostAddress();
    } catch (UnknownHostException e) {
      throw new BadQuery("client must be an IP address");
    }
  }
}
