package io.gatehouse.config;

import io.gatehouse.config.GatehouseConfig.ClusterConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code cluster} object: {@code enabled}, {@code name}, the optional {@code secret} or {@code secret_file},
 * {@code accept_secret_files} and {@code insecure}; and the top-level {@code session_key_file}.
 */
final class ClusterParser {
  /** Shorter secrets can be guessed offline from a sealed entry, which anyone on the cluster network can read. */
  static final int SHORT_SECRET = 16;
  private static final int MAX_SECRET = 4096;

  private ClusterParser() {}

  static ClusterConfig parse(ObjectReader r, Path baseDir) {
    if (r == null) {
      return new ClusterConfig(false, null);
    }
    boolean enabled = r.bool("enabled", false);
    String name = name(r);
    boolean insecure = r.bool("insecure", false);
    List<ClusterSecret> accepted = acceptedSecrets(r, baseDir);
    if (r.has("secret") && r.has("secret_file")) {
      r.error("secret_file", "give either secret or secret_file, not both");
      r.accept("secret");
      return new ClusterConfig(enabled, name, null, accepted, insecure);
    }
    ClusterSecret secret = r.has("secret_file") ? fromFile(r, "secret_file", baseDir) : inline(r);
    warnIfShort(r, r.has("secret") ? "secret" : "secret_file", secret, "any sealed entry");
    if (!accepted.isEmpty() && !r.has("secret") && !r.has("secret_file")) {
      r.error("accept_secret_files", "needs secret or secret_file: accepted secrets only open what the current"
          + " one seals");
    }
    return new ClusterConfig(enabled, name, secret, accepted, insecure);
  }

  /** {@code session_key_file} at the top level: the standalone node's cookie key, kept across restarts. */
  static ClusterSecret sessionKey(ObjectReader root, Path baseDir) {
    ClusterSecret key = root.has("session_key_file") ? fromFile(root, "session_key_file", baseDir) : null;
    // every client gets a ticket sealed with keys derived from it
    warnIfShort(root, "session_key_file", key, "any TLS session ticket or sticky cookie");
    return key;
  }

  /** A warning for a secret so short that it can be searched for offline from {@code whatItSeals}. */
  private static void warnIfShort(ObjectReader r, String field, ClusterSecret secret, String whatItSeals) {
    if (secret != null && secret.length() < SHORT_SECRET) {
      r.problems().warn(r.pathOf(field), "shorter than " + SHORT_SECRET + " bytes, so it can be guessed offline"
          + " from " + whatItSeals + "; use e.g. openssl rand -hex 32");
    }
  }

  /** Null when absent: the Hazelcast file's cluster name then applies (GATEHOUSE_CLUSTER_NAME, else gatehouse). */
  private static String name(ObjectReader r) {
    String name = r.string("name");
    if (name != null && !name.matches("[A-Za-z0-9._-]{1,64}")) {
      r.error("name", "must be 1-64 letters, digits, '.', '_' or '-'");
      return null;
    }
    return name;
  }

  private static List<ClusterSecret> acceptedSecrets(ObjectReader r, Path baseDir) {
    JsonArray files = r.list("accept_secret_files");
    List<ClusterSecret> out = new ArrayList<>();
    if (files == null) {
      return out;
    }
    for (int i = 0; i < files.size(); i++) {
      String at = JsonPath.index(r.pathOf("accept_secret_files"), i);
      if (!(files.getValue(i) instanceof String text)) {
        r.problems().error(at, "must be a file path");
        continue;
      }
      ClusterSecret s = fromPath(text, at, r.problems(), baseDir);
      if (s != null && !out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  private static ClusterSecret inline(ObjectReader r) {
    String s = r.string("secret");
    if (s == null) {
      return null;
    }
    if (s.isBlank()) {
      r.error("secret", "must not be empty");
      return null;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_SECRET) {
      r.error("secret", "must be at most " + MAX_SECRET + " bytes");
      return null;
    }
    return new ClusterSecret(bytes);
  }

  private static ClusterSecret fromFile(ObjectReader r, String field, Path baseDir) {
    String text = r.string(field);
    return text == null ? null : fromPath(text, r.pathOf(field), r.problems(), baseDir);
  }

  /** The secret a file holds, a final newline aside; problems are reported at {@code at}. */
  private static ClusterSecret fromPath(String text, String at, Problems problems, Path baseDir) {
    Path file;
    try {
      file = text.isEmpty() ? null : baseDir.resolve(text).toAbsolutePath().normalize();
    } catch (java.nio.file.InvalidPathException e) {
      problems.error(at, "invalid path: " + e.getReason());
      return null;
    }
    if (file == null) {
      problems.error(at, "must not be empty");
      return null;
    }
    String unreadable = ConfigFiles.problem(file);
    if (unreadable != null) {
      problems.error(at, unreadable);
      return null;
    }
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_SECRET + 2) {
        problems.error(at, "must hold at most " + MAX_SECRET + " bytes: " + file);
        return null;
      }
      bytes = withoutFinalNewline(Files.readAllBytes(file));
    } catch (IOException e) {
      problems.error(at, "cannot read " + file + ": " + e.getMessage());
      return null;
    }
    if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      problems.error(at, "file is empty: " + file);
      return null;
    }
    if (ConfigFiles.readableByOthers(file)) {
      problems.warn(at, "secret file " + file + " can be read by other users; chmod 600 it");
    }
    return new ClusterSecret(bytes);
  }

  /** {@code echo secret > file} and editors end the file with a newline that is not part of the secret. */
  private static byte[] withoutFinalNewline(byte[] b) {
    int n = b.length;
    if (n > 0 && b[n - 1] == '\n') {
      n--;
      if (n > 0 && b[n - 1] == '\r') {
        n--;
      }
    }
    return Arrays.copyOf(b, n);
  }
}
