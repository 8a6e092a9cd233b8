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

/** A JSON value with object keys sorted and no whitespace, and the SHA-256 of that form. */
final class CanonicalJson {
  private CanonicalJson() {}

  static String digest(Object json) {
    try {
      byte[] canonical = encode(json).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static String encode(Object json) {
    Object sorted = sorted(json);
    return sorted instanceof JsonObject o ? o.encode()
        : sorted instanceof JsonArray a ? a.encode()
        : new JsonArray().add(sorted).encode(); // a scalar document: encoded inside a one-element list
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
