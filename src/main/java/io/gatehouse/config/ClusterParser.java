package io.gatehouse.config;

import io.gatehouse.config.GatehouseConfig.ClusterConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The {@code cluster} object: {@code enabled}, and the optional {@code secret} or {@code secret_file}. */
final class ClusterParser {
  /** Shorter secrets can be guessed offline from the cluster name, which travels in cleartext. */
  static final int SHORT_SECRET = 16;
  private static final int MAX_SECRET = 4096;

  private ClusterParser() {}

  static ClusterConfig parse(ObjectReader r, Path baseDir) {
    if (r == null) {
      return new ClusterConfig(false, null);
    }
    boolean enabled = r.bool("enabled", false);
    if (r.has("secret") && r.has("secret_file")) {
      r.error("secret_file", "give either secret or secret_file, not both");
      r.accept("secret");
      return new ClusterConfig(enabled, null);
    }
    ClusterSecret secret = r.has("secret_file") ? fromFile(r, baseDir) : inline(r);
    if (secret != null && secret.length() < SHORT_SECRET) {
      r.problems().warn(r.pathOf(r.has("secret") ? "secret" : "secret_file"), "shorter than " + SHORT_SECRET
          + " bytes, so it can be guessed from the cluster name on the wire; use e.g. openssl rand -hex 32");
    }
    return new ClusterConfig(enabled, secret);
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

  private static ClusterSecret fromFile(ObjectReader r, Path baseDir) {
    Path file = ConfigFiles.file(r, "secret_file", baseDir);
    if (file == null) {
      return null;
    }
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_SECRET + 2) {
        r.error("secret_file", "must hold at most " + MAX_SECRET + " bytes: " + file);
        return null;
      }
      bytes = withoutFinalNewline(Files.readAllBytes(file));
    } catch (IOException e) {
      r.error("secret_file", "cannot read " + file + ": " + e.getMessage());
      return null;
    }
    if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      r.error("secret_file", "file is empty: " + file);
      return null;
    }
    if (ConfigFiles.readableByOthers(file)) {
      r.problems().warn(r.pathOf("secret_file"), "secret file " + file + " can be read by other users; chmod 600 it");
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
