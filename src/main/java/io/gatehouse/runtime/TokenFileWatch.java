package io.gatehouse.runtime;

import io.gatehouse.config.TokenFile;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * Part of the reload scan: {@code admin.token_file} read at the scan period. The configuration text alone does not
 * change when the token is rotated in its file, nor when the file turns empty or unreadable; each time what the
 * file holds changes from what was last seen, a reload is asked for, which takes a new token at once or refuses a
 * bad file with {@code config error:}. Only a digest of the token is kept here. Runtime context.
 */
final class TokenFileWatch {

  private final Vertx vertx;
  private final Runnable onChange;
  private final long timer;
  private Path file;
  /** What the file was last seen to hold: a digest of the token, or why it could not be read. */
  private String seen;
  private boolean reading;

  TokenFileWatch(Vertx vertx, long periodMs, Runnable onChange) {
    this.vertx = vertx;
    this.onChange = onChange;
    this.timer = vertx.setPeriodic(periodMs, id -> scan());
  }

  /** Watches {@code file} (null: none), whose token the running version holds. */
  void watch(Path file, String runningToken) {
    this.file = file;
    this.seen = file == null ? null : digest(runningToken);
  }

  private void scan() {
    Path f = file;
    if (f == null || reading) {
      return;
    }
    reading = true;
    vertx.executeBlocking(() -> {
      try {
        return digest(TokenFile.read(f));
      } catch (IOException e) {
        return "unreadable: " + e;
      }
    }).onComplete(ar -> {
      reading = false;
      if (ar.succeeded() && f.equals(file) && !Objects.equals(ar.result(), seen)) {
        seen = ar.result();
        onChange.run();
      }
    });
  }

  void close() {
    vertx.cancelTimer(timer);
  }

  private static String digest(String token) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
