package io.gatehouse.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A JSON value with object keys sorted and no whitespace, and the SHA-256 of that form with every secret blanked:
 * the digest is shown in the status and published to the cluster, and a hash of a short admin token or secret
 * could be guessed offline.
 */
final class CanonicalJson {
  /** Fields whose values are secrets wherever they appear (admin.token, cluster.secret, inline keys). */
  private static final java.util.Set<String> SECRET_FIELDS = java.util.Set.of("token", "secret", "password",
      "passphrase", "key", "private_key_pem", "key_pem");
  private static final String BLANK = "(secret)";

  private CanonicalJson() {}

  static String digest(Object json) {
    try {
      byte[] canonical = encode(blanked(json)).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The sections that belong to one node, not to the cluster: its name and event loops, its admin API. */
  private static final List<String> NODE_OWN = List.of("node", "admin");

  /**
   * The digest of a document without the sections each node has of its own ({@code node}, {@code admin}): nodes
   * that run the same configuration under their own names and admin ports have the same one, so that the
   * cluster's status shows real drift.
   */
  static String sharedDigest(JsonObject json) {
    JsonObject shared = json.copy();
    NODE_OWN.forEach(shared::remove);
    return digest(shared);
  }

  static String encode(Object json) {
    Object sorted = sorted(json);
    return sorted instanceof JsonObject o ? o.encode()
        : sorted instanceof JsonArray a ? a.encode()
        : new JsonArray().add(sorted).encode(); // a scalar document: encoded inside a one-element list
  }

  /** A copy with the value of every secret field replaced by the same placeholder. */
  static Object blanked(Object value) {
    if (value instanceof JsonObject o) {
      JsonObject out = new JsonObject();
      o.forEach(e -> out.put(e.getKey(), SECRET_FIELDS.contains(e.getKey()) && e.getValue() instanceof String
          ? BLANK : blanked(e.getValue())));
      return out;
    }
    if (value instanceof JsonArray a) {
      List<Object> list = new ArrayList<>();
      a.forEach(v -> list.add(blanked(v)));
      return new JsonArray(list);
    }
    return value;
  }

  private static Object sorted(Object value) {
    if (value instanceof JsonObject o) {
      Map<String, Object> map = new TreeMap<>();
      o.forEach(e -> map.put(e.getKey(), sorted(e.getValue())));
      return new JsonObject(map);
    }
    if (value instanceof JsonArray a) {
      List<Object> list = new ArrayList<>();
      a.forEach(v -> list.add(sorted(v)));
      return new JsonArray(list);
    }
    return value;
  }
}
