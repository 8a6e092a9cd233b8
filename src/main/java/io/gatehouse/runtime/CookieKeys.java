package io.gatehouse.runtime;

import io.gatehouse.config.ClusterSecret;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.http.StickyCookie;
import java.util.Base64;
import java.util.List;

/**
 * Where the HTTP_COOKIE signing keys come from. In a cluster: derived from {@code cluster.secret} (never sent
 * anywhere), the secrets of {@code accept_secret_files} still verifying; a cluster without a secret derives them from
 * its public name (anyone can forge such cookies: the start-up check and the log say so). Standalone: from
 * {@code session_key_file} when set, so a restart keeps stickiness, else from a key made up for this process.
 */
final class CookieKeys {

  private static final String PURPOSE = "gatehouse cookie v1";

  /** The cluster's name, or null when standalone. */
  private final String clusterName;
  private final ClusterSecret processKey = ClusterSecret.random();

  CookieKeys(String clusterName) {
    this.clusterName = clusterName;
  }

  StickyCookie.Key signing(GatehouseConfig c) {
    return key(signingSecret(c));
  }

  List<StickyCookie.Key> verifying(GatehouseConfig c) {
    return clusterName != null && c.cluster().secret() != null
        ? c.cluster().accepted().stream().map(CookieKeys::key).toList() : List.of();
  }

  /**
   * The secret TLS session ticket keys derive from: {@code cluster.secret} in a cluster, {@code session_key_file}
   * standalone, else null (the process's own key: a cluster's public name is no secret to seal tickets with).
   */
  ClusterSecret ticketSecret(GatehouseConfig c) {
    return clusterName != null ? c.cluster().secret() : c.sessionKey();
  }

  /** The field {@link #ticketSecret} comes from, for the status document. */
  String ticketSecretField() {
    return clusterName != null ? "cluster.secret" : "session_key_file";
  }

  /** For the log: what {@link #ticketSecret} is, by name (an operator resuming across nodes or restarts asks). */
  String ticketSource(GatehouseConfig c) {
    if (ticketSecret(c) != null) {
      return clusterName != null ? "cluster.secret (every node of cluster " + clusterName + " resumes them)"
          : "session_key_file (they survive a restart)";
    }
    return "a key of this process (they resume on this node until it restarts"
        + (clusterName != null ? "; the cluster has no secret)" : ")");
  }

  /** For the log: which keys sign and verify, by id only. */
  String describe(GatehouseConfig c) {
    return "signing " + signing(c).id() + ", also verifying " + verifying(c).stream().map(StickyCookie.Key::id).toList();
  }

  private ClusterSecret signingSecret(GatehouseConfig c) {
    if (clusterName != null) {
      return c.cluster().secret() != null ? c.cluster().secret() : ClusterSecret.publicName(clusterName);
    }
    return c.sessionKey() != null ? c.sessionKey() : processKey;
  }

  private static StickyCookie.Key key(ClusterSecret s) {
    return new StickyCookie.Key(Base64.getUrlEncoder().withoutPadding().encodeToString(s.id()), s.derive(PURPOSE));
  }
}
