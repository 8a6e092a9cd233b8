package io.gatehouse.testkit;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/** The behaviour of {@link Backends#http} members, by request path. */
public final class HttpMembers {

  private HttpMembers() {}

  static void answer(Backends.Member m, HttpServerRequest req) {
    String name = m.name;
    HttpServerResponse resp = req.response().putHeader("X-Member", name);
    String path = req.path();
    if (path.equals("/echo")) {
      String length = req.getHeader("Content-Length");
      if (length != null) {
        resp.putHeader("Content-Length", length);
      } else {
        resp.setChunked(true);
      }
      req.pipeTo(resp);
    } else if (path.equals("/sha")) {
      MessageDigest sha = sha256();
      req.handler(b -> sha.update(b.getBytes()));
      req.endHandler(v -> resp.end(HexFormat.of().formatHex(sha.digest())));
    } else if (path.startsWith("/download/")) {
      download(m, resp, Long.parseLong(path.substring("/download/".length())));
    } else if (path.startsWith("/slow/")) {
      long ms = Long.parseLong(path.substring("/slow/".length()));
      req.body().onSuccess(b -> io.vertx.core.Vertx.currentContext().owner().setTimer(ms, id -> resp.end("slow " + name)));
    } else if (path.startsWith("/set/")) {
      String[] parts = path.split("/");
      resp.putHeader("Set-Cookie", parts[2] + "=" + parts[3] + "; Path=/").end("member=" + name);
    } else if (path.equals("/reset")) {
      req.connection().close();
    } else {
      req.body().onSuccess(b -> {
        StringBuilder sb = new StringBuilder("member=" + name + "\n");
        for (Map.Entry<String, String> h : req.headers()) {
          sb.append(h.getKey().toLowerCase(Locale.ROOT)).append(": ").append(h.getValue()).append('\n');
        }
        resp.putHeader("Content-Type", "text/plain").end(sb.toString());
      });
    }
  }

  /** {@code size} bytes of {@link #pattern(long)}, written as fast as the connection takes them. */
  private static void download(Backends.Member m, HttpServerResponse resp, long size) {
    resp.putHeader("Content-Length", String.valueOf(size));
    long[] sent = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (sent[0] < size && !resp.writeQueueFull()) {
        int n = (int) Math.min(64 * 1024, size - sent[0]);
        resp.write(Buffer.buffer(pattern(sent[0], n)));
        sent[0] += n;
        m.sent.addAndGet(n);
      }
      if (sent[0] >= size) {
        resp.end();
      } else {
        resp.drainHandler(v -> pump[0].run());
      }
    };
    pump[0].run();
  }

  /** The deterministic bytes at {@code offset..offset+n} of a download. */
  public static byte[] pattern(long offset, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      long x = offset + i;
      b[i] = (byte) (x * 31 + (x >>> 8));
    }
    return b;
  }

  /** The SHA-256 of the first {@code size} bytes of the download pattern. */
  public static String downloadSha(long size) {
    MessageDigest sha = sha256();
    for (long off = 0; off < size; off += 64 * 1024) {
      sha.update(pattern(off, (int) Math.min(64 * 1024, size - off)));
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
