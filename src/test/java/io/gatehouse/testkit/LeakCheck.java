package io.gatehouse.testkit;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.internal.threadchecker.BlockedThreadChecker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Pattern;

/**
 * What must fail the build whichever test it shows up in: Netty's {@code LEAK:} reports (paranoid leak detection,
 * set in pom.xml's {@code test.argLine}) and Vert.x's blocked-thread warnings (logger
 * {@value BlockedThreadChecker#LOGGER_NAME}). Both arrive through java.util.logging, which this handler on the root
 * logger watches for the whole JVM; the logs of gateway processes that *IT tests start are searched for
 * {@code LEAK:} lines ({@link #childLog(Path)}). {@link LeakCheckExtension} (JUnit Jupiter) and {@link LeakCheckHook} (jqwik), both
 * registered for every test class, {@link #drain()} the reports after each test and, after a
 * {@link #collectGarbage()}, after each class, and fail that test or class.
 */
public final class LeakCheck {

  /** The reports of the JVM's log, not yet drained. */
  private static final List<String> reports = new ArrayList<>();
  /** Gateway process logs to search, and how far each has been searched. */
  private static final Map<Path, Long> childLogs = new LinkedHashMap<>();
  private static final AtomicLong gcNanos = new AtomicLong();
  private static final AtomicLong gcs = new AtomicLong();
  private static final AtomicLong fullGcNanos = new AtomicLong();
  /** Where collectGarbage() puts its garbage, so that the allocation is not optimised away. */
  @SuppressWarnings("unused")
  private static volatile byte[] garbage;
  /** A record of the gateway's one-line log format (Logs.OneLine): the end of a multi-line LEAK report. */
  private static final Pattern CHILD_RECORD = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT.*");
  private static final int MAX_REPORT_LINES = 60;
  private static final String GRPC_SHADED = "io.grpc.netty.shaded.";

  private static final Handler HANDLER = new Handler() {
    private final SimpleFormatter formatter = new SimpleFormatter();

    @Override
    public void publish(LogRecord r) {
      String message = r.getMessage() == null ? "" : formatter.formatMessage(r);
      // not the gRPC test library's own shaded Netty: its buffers are grpc-java's (a test server shut down in the
      // middle of a write leaks one), never the gateway's
      boolean leak = message.startsWith("LEAK:") && !String.valueOf(r.getLoggerName()).startsWith(GRPC_SHADED);
      boolean blocked = BlockedThreadChecker.LOGGER_NAME.equals(r.getLoggerName())
          && r.getLevel().intValue() >= Level.WARNING.intValue();
      if (!leak && !blocked) {
        return;
      }
      StringBuilder report = new StringBuilder().append(r.getLevel().getName()).append(' ')
          .append(r.getLoggerName()).append(": ").append(message);
      if (r.getThrown() != null) {
        // for a blocked thread: where it was blocked
        StringWriter trace = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(trace));
        report.append('\n').append(trace);
      }
      synchronized (reports) {
        reports.add(report.toString());
      }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };

  private static boolean installed;

  private LeakCheck() {}

  /**
   * Starts watching this JVM's log, once. Fails if Netty or Vert.x log elsewhere than java.util.logging (an SLF4J
   * or Log4j 2 binding on the test classpath): the check would then see nothing.
   */
  static synchronized void install() {
    if (installed) {
      return;
    }
    if (!(InternalLoggerFactory.getDefaultFactory() instanceof JdkLoggerFactory)) {
      throw new IllegalStateException("Netty logs through " + InternalLoggerFactory.getDefaultFactory()
          + ", not java.util.logging: LeakCheck would not see its LEAK reports");
    }
    String vertx = LoggerFactory.getLogger(BlockedThreadChecker.LOGGER_NAME).implementation();
    if (!"jul".equals(vertx)) {
      throw new IllegalStateException("Vert.x logs through " + vertx
          + ", not java.util.logging: LeakCheck would not see its blocked-thread warnings");
    }
    Logger.getLogger("").addHandler(HANDLER);
    installed = true;
  }

  /**
   * Adds the log file of a gateway process (stdout and stderr of the packaged jar) to what is searched for
   * {@code LEAK:} lines. Not for blocked-thread warnings: a process's start-up (class loading, JIT, joining
   * Hazelcast) runs on its event loop while several JVMs share two cores, and Vert.x then reports it blocked for
   * 2-3 s though nothing blocks it (JFR on three nodes starting: no park, wait or I/O over 5 ms on the loop).
   */
  public static synchronized void childLog(Path log) {
    Path path = log.toAbsolutePath();
    if (childLogs.containsKey(path)) {
      // a new process overwrites the file: what the last one wrote is searched first
      List<String> found = search(path);
      synchronized (reports) {
        reports.addAll(found);
      }
    }
    childLogs.put(path, 0L);
  }

  /** The JVM options a gateway process needs for its leaks to be reported at all. */
  public static List<String> childJvmOptions() {
    return List.of("-Dio.netty.leakDetection.level=paranoid");
  }

  /** The reports since the last call: from this JVM's log, then from the gateway process logs. */
  static List<String> drain() {
    List<String> out;
    synchronized (reports) {
      out = new ArrayList<>(reports);
      reports.clear();
    }
    out.addAll(searchChildLogs());
    return out;
  }

  /** Forgets the gateway process logs (after a class: its temporary directory is about to go). */
  static synchronized void forgetChildLogs() {
    childLogs.clear();
  }

  /**
   * Has buffers that were leaked and are no longer referenced reported now rather than during some later test
   * class: Netty learns of a leak only once the GC has collected the buffer, and reports it at the next tracked
   * allocation. A full GC collects them, however old, and the reference handler enqueues them, a batch of no
   * particular order. Once a first canary weak reference has come out of that batch (the handler has taken it), a
   * second one, cleared by a young GC that allocating garbage provokes, comes in a later batch: when it is
   * enqueued, the whole first batch is. Then one tracked allocation has Netty poll its queue, and log.
   */
  static void collectGarbage() {
    long start = System.nanoTime();
    ReferenceQueue<Object> queue = new ReferenceQueue<>();
    WeakReference<Object> first = new WeakReference<>(new Object(), queue);
    WeakReference<Object> second = null;
    long full = start;
    try {
      System.gc();
      full = System.nanoTime();
      // null if System.gc() does nothing (-XX:+DisableExplicitGC): leaks then show up whenever the GC runs
      if (queue.remove(TimeUnit.SECONDS.toMillis(5)) != null) {
        second = new WeakReference<>(new Object(), queue);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (queue.poll() == null && System.nanoTime() - deadline < 0) {
          garbage = new byte[64 * 1024];
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      garbage = null;
      Reference.reachabilityFence(first);
      Reference.reachabilityFence(second);
    }
    // below paranoid, one allocation in 128 is tracked (and polls the leak queue)
    int allocations = ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID ? 1 : 2048;
    for (int i = 0; i < allocations; i++) {
      PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
    }
    fullGcNanos.addAndGet(full - start);
    gcNanos.addAndGet(System.nanoTime() - start);
    gcs.incrementAndGet();
  }

  /** How many {@link #collectGarbage()} calls this JVM made, and the milliseconds they took. */
  static String cost() {
    return gcs.get() + " leak collections, " + TimeUnit.NANOSECONDS.toMillis(gcNanos.get()) + " ms (full GCs "
        + TimeUnit.NANOSECONDS.toMillis(fullGcNanos.get()) + " ms)";
  }

  /** The failure message for {@code found}, reports from {@code when} ("during this test"). */
  static String failure(String when, List<String> found) {
    return found.size() + " Netty leak / Vert.x blocked-thread report(s) " + when + ":\n"
        + String.join("\n----\n", found);
  }

  private static synchronized List<String> searchChildLogs() {
    List<String> found = new ArrayList<>();
    for (Path log : childLogs.keySet()) {
      found.addAll(search(log));
    }
    return found;
  }

  /** The reports in {@code log}'s complete lines written since the last search. */
  private static List<String> search(Path log) {
    long from = childLogs.get(log);
    String text;
    try {
      byte[] bytes = Files.readAllBytes(log);
      if (bytes.length < from) {
        from = 0; // overwritten by a later process
      }
      int end = bytes.length;
      // complete lines only: the rest is searched next time
      while (end > from && bytes[end - 1] != '\n') {
        end--;
      }
      text = new String(bytes, (int) from, end - (int) from, StandardCharsets.UTF_8);
      childLogs.put(log, (long) end);
    } catch (NoSuchFileException gone) {
      return List.of();
    } catch (IOException e) {
      return List.of("cannot read gateway log " + log + ": " + e);
    }
    List<String> found = new ArrayList<>();
    String[] lines = text.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains("LEAK:")) {
        StringBuilder report = new StringBuilder("gateway log ").append(log).append(":\n").append(lines[i]);
        // a LEAK report's access records follow on lines of their own, up to the next record
        for (int j = i + 1; j < lines.length && j <= i + MAX_REPORT_LINES
            && !CHILD_RECORD.matcher(lines[j]).matches(); j++) {
          report.append('\n').append(lines[j]);
        }
        found.add(report.toString());
      }
    }
    return found;
  }
}
