package io.gatehouse.log;

import java.io.PrintStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One line per closed L4 connection, UDP session or HTTP request, written to stdout by one writer thread so
 * that an event loop never blocks on the console. The queue is bounded: past it, lines are dropped and counted.
 */
public final class AccessLog implements AutoCloseable {

  private static final int CAPACITY = 65_536;

  private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final LongAdder dropped = new LongAdder();
  private final PrintStream out;
  private final Thread writer;
  private volatile boolean enabled;
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

  /** Queues a line; never blocks. */
  public void log(String line) {
    if (enabled && !queue.offer(line)) {
      dropped.increment();
    }
  }

  public long dropped() {
    return dropped.sum();
  }

  private void drain() {
    StringBuilder batch = new StringBuilder(8192);
    while (running || !queue.isEmpty()) {
      try {
        String line = queue.poll(200, TimeUnit.MILLISECONDS);
        if (line == null) {
          continue;
        }
        batch.setLength(0);
        batch.append(line).append('\n');
        for (String more; batch.length() < 65_536 && (more = queue.poll()) != null; ) {
          batch.append(more).append('\n');
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
