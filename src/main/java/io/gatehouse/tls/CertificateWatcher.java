package io.gatehouse.tls;

import io.gatehouse.pem.BadPem;
import io.gatehouse.config.TlsConfig;
import io.gatehouse.log.Logs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Watches one listener's certificate, key and CA files: every scan period it reads them through Vert.x's async
 * file system and compares size, mtime and SHA-256 with what is being served. On a change the new files are
 * parsed and checked off the event loop; good ones are handed on as a new {@link ServerTls} (for
 * {@code updateSSLOptions(options, true)} on every server instance), bad ones are logged and reported while the
 * old ones stay in use.
 */
public final class CertificateWatcher {

  private static final Logger LOG = Logs.of(CertificateWatcher.class);

  private final Vertx vertx;
  private final String listener;
  private final TlsConfig tls;
  private final Duration handshakeTimeout;
  private final TlsEngine engine;
  private final Changes changes;
  private final List<Path> paths;
  private long timer = -1;
  private boolean scanning;
  /** What the served files looked like; also what the last bad version looked like, so it is reported once. */
  private Map<Path, Fingerprint> seen;
  /** What the served files looked like. */
  private Map<Path, Fingerprint> served;
  /** The problem of the last failed scan, reported once while it lasts. */
  private String lastProblem;

  /** Where the outcome of a change goes; called on the watcher's context with the files that changed. */
  public interface Changes {
    /** The changed files are valid: {@code next} serves them. */
    void loaded(ServerTls next, List<Path> changed);

    /** The changed files cannot be served ({@code problem} names the file); the running ones stay. */
    void refused(String problem, List<Path> changed);

    /** After a refusal, the files are back exactly as the ones served. */
    default void restored() {
    }
  }

  public CertificateWatcher(Vertx vertx, String listener, TlsConfig tls, Duration handshakeTimeout,
      Changes changes) {
    this(vertx, listener, tls, handshakeTimeout, TlsEngine.of(tls.engine()), changes);
  }

  CertificateWatcher(Vertx vertx, String listener, TlsConfig tls, Duration handshakeTimeout, TlsEngine engine,
      Changes changes) {
    this.vertx = vertx;
    this.listener = listener;
    this.tls = tls;
    this.handshakeTimeout = handshakeTimeout;
    this.engine = engine;
    this.changes = changes;
    this.paths = List.copyOf(TlsFiles.paths(tls));
  }

  /** Takes the current files as the served ones, then polls every {@code scanPeriod}. */
  public Future<Void> start(Duration scanPeriod) {
    return fingerprints().onSuccess(prints -> {
      seen = prints;
      served = prints;
      timer = vertx.setPeriodic(scanPeriod.toMillis(), id -> scan());
    }).mapEmpty();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void scan() {
    if (scanning) {
      return;
    }
    scanning = true;
    List<Path> changed = new ArrayList<>();
    fingerprints().compose(prints -> {
      if (prints.equals(seen)) {
        if (lastProblem != null && seen == served) {
          changes.restored(); // the served files are back as they were after they could not be read
        }
        return Future.succeededFuture();
      }
      paths.stream().filter(p -> !prints.get(p).equals(seen.get(p))).forEach(changed::add);
      seen = prints;
      return vertx.executeBlocking(() -> {
        TlsFiles files = TlsFiles.parse(tls, contents(prints));
        return ServerTls.of(tls, files, handshakeTimeout, engine);
      }).onSuccess(next -> {
        served = prints;
        changes.loaded(next, changed);
      }).mapEmpty();
    }).onSuccess(v -> lastProblem = null).onFailure(e -> {
      String problem = e instanceof BadPem ? e.getMessage() : String.valueOf(e);
      if (problem.equals(lastProblem) && changed.isEmpty()) {
        return; // the same unreadable file as at the last scan: said once
      }
      lastProblem = problem;
      LOG.warning("tls: listener " + listener + ": " + problem);
      changes.refused(problem, changed.isEmpty() ? paths : changed);
    }).onComplete(done -> scanning = false);
  }

  private Future<Map<Path, Fingerprint>> fingerprints() {
    List<Future<Fingerprint>> reads = new ArrayList<>();
    for (Path path : paths) {
      String file = path.toString();
      // one problem text whichever step fails: a file removed between its props and its read would otherwise
      // read as a second, different problem and be reported twice
      reads.add(vertx.fileSystem().props(file).compose(props ->
          vertx.fileSystem().readFile(file).map(content -> Fingerprint.of(props, content)))
          .recover(e -> Future.failedFuture(new java.io.IOException(file + " cannot be read (missing or not"
              + " readable)"))));
    }
    return Future.all(reads).map(all -> {
      Map<Path, Fingerprint> prints = new LinkedHashMap<>();
      for (int i = 0; i < paths.size(); i++) {
        prints.put(paths.get(i), all.resultAt(i));
      }
      return prints;
    });
  }

  private static Map<Path, byte[]> contents(Map<Path, Fingerprint> prints) {
    Map<Path, byte[]> contents = new LinkedHashMap<>();
    prints.forEach((path, print) -> contents.put(path, print.content));
    return contents;
  }

  /** A file as read; equal when size, mtime and hash are. */
  private record Fingerprint(long size, long mtime, byte[] sha256, byte[] content) {

    static Fingerprint of(FileProps props, Buffer content) {
      byte[] bytes = content.getBytes();
      try {
        return new Fingerprint(props.size(), props.lastModifiedTime(),
            MessageDigest.getInstance("SHA-256").digest(bytes), bytes);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Fingerprint f && size == f.size && mtime == f.mtime && Arrays.equals(sha256, f.sha256);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(sha256);
    }
  }
}
