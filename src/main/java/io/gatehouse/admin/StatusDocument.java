package io.gatehouse.admin;

import io.gatehouse.cluster.ClusterView;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberDrain;
import io.gatehouse.pool.MemberOverride;
import io.gatehouse.pool.MemberHealth;
import io.gatehouse.pool.Pool;
import io.gatehouse.runtime.ConfigVersion;
import io.gatehouse.runtime.RuntimeView;
import io.gatehouse.tls.OcspStaple;
import io.gatehouse.tls.ServedCertificate;
import io.gatehouse.tls.ServerTls;
import io.gatehouse.tls.SessionTickets;
import io.gatehouse.tls.TlsEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The contract's status document ({@code GET /api/v1/status}), plus a few counters the dashboard turns into
 * rates ({@code connections_total}, {@code bytes_in}, {@code bytes_out}, {@code requests_total}). Built from the
 * Runtime's view: any thread.
 */
final class StatusDocument {

  private StatusDocument() {}

  static JsonObject of(RuntimeView view) {
    ConfigVersion version = view.version();
    List<String> lastError = view.lastError();
    JsonObject doc = new JsonObject()
        .put("node", view.nodeName())
        .put("cluster", cluster(view))
        .put("config", new JsonObject()
            .put("version", version.number())
            .put("loaded_at", time(version.loadedAt()))
            .put("digest", version.sharedDigest()) // what cluster.nodes[].config_digest compares
            .put("last_error", lastError == null ? null : new JsonArray(List.copyOf(lastError))));
    JsonArray listeners = new JsonArray();
    view.listeners().values().forEach(s -> listeners.add(listener(s))); // configuration order
    view.draining().forEach(s -> listeners.add(listener(s))); // removed or replaced by a reload, still draining
    JsonArray pools = new JsonArray();
    view.pools().values().forEach(p -> pools.add(pool(p)));
    return doc.put("listeners", listeners).put("pools", pools);
  }

  /**
   * Whether this node is clustered, the live nodes (this one alone when standalone), and, in a cluster, each
   * node's running configuration with whether it differs from this node's ({@code drift}): digests are compared
   * without the {@code node} and {@code admin} sections, so that nodes named apart but running the same file agree.
   */
  private static JsonObject cluster(RuntimeView runtime) {
    ClusterView view = runtime.cluster();
    JsonObject out = new JsonObject().put("enabled", view.enabled())
        .put("members", new JsonArray(view.enabled() ? List.copyOf(view.members()) : List.of(view.nodeName())))
        .put("node", view.nodeName());
    if (view.enabled()) {
      ConfigVersion local = runtime.version();
      Map<String, String> published = new TreeMap<>(runtime.clusterConfigs());
      // this node's own entry from its running version: the map's copy lags a reload by a write
      published.put(view.nodeName(), local.number() + " " + local.sharedDigest());
      JsonArray nodes = new JsonArray();
      published.forEach((name, versionDigest) -> {
        String[] parts = versionDigest.split(" ", 2);
        String digest = parts.length > 1 ? parts[1] : null;
        nodes.add(new JsonObject().put("name", name).put("config_version", Integer.parseInt(parts[0]))
            .put("config_digest", digest).put("drift", !local.sharedDigest().equals(digest)));
      });
      out.put("nodes", nodes);
      out.put("unexpected_members", new JsonArray(List.copyOf(view.unexpectedMembers())));
    }
    return out;
  }

  private static JsonObject listener(ListenerState s) {
    JsonObject out = new JsonObject()
        .put("name", s.name())
        .put("protocol", s.config().protocol().name())
        .put("host", s.config().host())
        .put("protocol_port", s.config().protocolPort())
        .put("state", s.draining() ? "DRAINING" : "ACTIVE")
        .put("active_connections", s.active())
        .put("connections_total", s.accepted())
        .put("bytes_in", s.bytesIn())
        .put("bytes_out", s.bytesOut());
    ServerTls tls = s.tls();
    if (tls != null) {
      out.put("tls", tls(tls, s));
    }
    return out;
  }

  /** What a TLS listener serves now: engine, policy, and each certificate with the problem of its last reload. */
  private static JsonObject tls(ServerTls tls, ListenerState s) {
    JsonArray certificates = new JsonArray();
    Instant now = Instant.now();
    for (ServedCertificate c : tls.certificates()) {
      certificates.add(new JsonObject()
          .put("file", c.file().toString())
          .put("names", new JsonArray(c.names()))
          .put("not_after", time(c.notAfter()))
          .put("expires_in_days", c.expiresInDays(now))
          .put("warning", c.expiryWarning(now)) // null unless within 14 days of expiry, or expired
          .put("last_reload_error", s.certificateErrors().get(c.file()))
          .put("ocsp", ocsp(c.ocsp(), now)));
    }
    return new JsonObject()
        .put("engine", tls.engine().configName()) // the engine in use, by the names of tls.engine
        .put("rsa_signer", tls.engine().rsaSigner()) // tls_rsa_signer as applied: openssl3, boringssl (or jdk)
        .put("protocols", new JsonArray(tls.protocols()))
        .put("cipher_suites", new JsonArray(tls.offeredSuites())) // what a client can get, not the policy
        .put("certificates", certificates)
        .put("handshakes", tls.engine() != TlsEngine.OPENSSL ? null : new JsonObject() // the JDK's: not told
            .put("full", s.tlsHandshakes(false))
            .put("resumed", s.tlsHandshakes(true)))
        .put("session_tickets", tickets(tls));
  }

  /** The ticket keys of the boringssl engine (the JDK engine has none): the same key name on nodes that share them. */
  private static JsonObject tickets(ServerTls tls) {
    if (tls.engine() != TlsEngine.OPENSSL) {
      return null;
    }
    SessionTickets.Status t = SessionTickets.status();
    return new JsonObject().put("keys", t.keys()).put("key_name", t.keyName()).put("key_since", time(t.since()));
  }

  /** The certificate's OCSP staple with {@code tls.ocsp_stapling}, else null. */
  private static JsonObject ocsp(OcspStaple staple, Instant now) {
    if (staple == null) {
      return null;
    }
    return new JsonObject()
        .put("status", staple.status(now))
        .put("this_update", staple.thisUpdate() == null ? null : time(staple.thisUpdate()))
        .put("next_update", staple.nextUpdate() == null ? null : time(staple.nextUpdate()))
        .put("last_error", staple.lastError());
  }

  private static JsonObject pool(Pool p) {
    JsonArray members = new JsonArray();
    p.members().forEach(m -> members.add(member(m)));
    // draining after a reload removed them: nothing new goes to them, whatever their health
    p.retired().forEach(m -> members.add(member(m).put("usable", false).put("removed", true)));
    return new JsonObject()
        .put("name", p.name())
        .put("lb_algorithm", p.config().lbAlgorithm().name())
        .put("members", members);
  }

  /** A member as the status document and the route API show it. */
  static JsonObject member(Member m) {
    MemberHealth h = m.health();
    return new JsonObject()
        .put("address", m.config().address())
        .put("protocol_port", m.config().protocolPort())
        .put("weight", m.weight())
        .put("admin_state_up", m.adminStateUp())
        .put("status", h.status().name())
        .put("status_since", time(h.since()))
        .put("status_reason", h.reason())
        .put("active_connections", m.active())
        .put("usable", m.usable())
        .put("requests_total", m.total())
        .put("state", m.draining() ? "DRAINING" : "ACTIVE")
        .put("drain", drain(m))
        .put("override", override(m.override()));
  }

  /** While the member drains: its open connections and when those left are closed (null: left to end). */
  private static JsonObject drain(Member m) {
    MemberDrain d = m.drain();
    return d == null ? null : new JsonObject()
        .put("connections", m.active())
        .put("ends_at", d.endsAt() == null ? null : time(d.endsAt()));
  }

  private static JsonObject override(MemberOverride o) {
    return o == null ? null : new JsonObject()
        .put("action", o.action().name())
        .put("weight", o.weight())
        .put("by", o.by())
        .put("node", o.node())
        .put("at", time(o.at()));
  }

  /** ISO-8601 UTC to the second, as the contract shows it. */
  static String time(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
