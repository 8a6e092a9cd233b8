package io.gatehouse.log;

import io.gatehouse.config.LogConfig;
import java.io.PrintStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One line per closed L4 connection, UDP session or HTTP request, written to stdout by one writer thread so
 * that an event loop never blocks on the console. Event loops queue a small {@link AccessEntry}; the writer
 * formats it, as text or JSON ({@code log.access_format}, switched by a reload from the next line on). The queue
 * is bounded twice, by lines and by the bytes they hold (a client can make each line hold 32 KiB of head, so
 * 65,536 of them behind a stalled stdout would be 2 GiB): past either, lines are dropped and counted.
 */
public final class AccessLog implements AutoCloseable {

  private static final int CAPACITY = 65_536;
  /** The bytes ({@link AccessEntry#size}) the waiting lines may hold; 65,536 small lines fit in half of it. */
  static final long MAX_QUEUED_BYTES = 32L << 20;

  private final BlockingQueue<AccessEntry> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final LongAdder dropped = new LongAdder();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final PrintStream out;
  private final Thread writer;
  private volatile boolean enabled;
  private volatile LogConfig.Format format = LogConfig.Format.TEXT;
  private volatile boolean running = true;

  public AccessLog(PrintStream out, boolean enabled) {
    this.out = out;
    this.enabled = enabled;
    this.writer = new Thread(this::drain, "gatehouse-access-log");
    writer.setDaemon(true);
    writer.start();
  }

  public boolean enabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** The line format from the next line written on. */
  public void setFormat(LogConfig.Format format) {
    this.format = format;
  }

  /** Queues a line; never blocks. */
  public void log(AccessEntry line) {
    if (!enabled) {
      return;
    }
    int size = line.size();
    if (queuedBytes.addAndGet(size) > MAX_QUEUED_BYTES || !queue.offer(line)) {
      queuedBytes.addAndGet(-size);
      dropped.increment();
    }
  }

  /** Takes a line off the queue, or null when none is waiting after {@code millis}. */
  private AccessEntry take(long millis) throws InterruptedException {
    AccessEntry line = millis == 0 ? queue.poll() : queue.poll(millis, TimeUnit.MILLISECONDS);
    if (line != null) {
      queuedBytes.addAndGet(-line.size());
    }
    return line;
  }

  public long dropped() {
    return dropped.sum();
  }

  private void drain() {
    StringBuilder batch = new StringBuilder(8192);
    while (running || !queue.isEmpty()) {
      try {
        AccessEntry line = take(200);
        if (line == null) {
          continue;
        }
        batch.setLength(0);
        AccessFields fields = format == LogConfig.Format.JSON ? new AccessFields.Json(batch)
            : new AccessFields.Text(batch);
        for (AccessEntry next = line; next != null;
            next = batch.length() < 65_536 ? take(0) : null) {
          int start = batch.length();
          try {
            next.writeTo(fields);
            fields.end();
          } catch (RuntimeException e) {
            batch.setLength(start); // a line that cannot be formatted is dropped, never the writer
            dropped.increment();
          }
        }
        out.print(batch);
        out.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() {
    running = false;
    try {
      writer.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
