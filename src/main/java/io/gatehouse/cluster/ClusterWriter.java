package io.gatehouse.cluster;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that performs every write to the cluster, so that event loops only enqueue (fire-and-forget)
 * and never wait on the network. The queue is bounded: when it is full the write is dropped and counted; the
 * state it carried is a cache that the next pick or probe rebuilds.
 */
public final class ClusterWriter {

  private static final Logger LOG = Logger.getLogger(ClusterWriter.class.getName());

  private final ThreadPoolExecutor thread;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final LongAdder writeNanos = new LongAdder();

  public ClusterWriter(int capacity) {
    thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity), r -> {
      Thread t = new Thread(r, "gatehouse-cluster-writer");
      t.setDaemon(true);
      return t;
    }, (r, executor) -> dropped.increment());
  }

  /** Queues a write; never blocks. */
  public void submit(Runnable write) {
    thread.execute(() -> {
      long t0 = System.nanoTime();
      try {
        write.run();
        writes.increment();
        writeNanos.add(System.nanoTime() - t0);
      } catch (RuntimeException e) {
        // the cluster is leaving or unreachable: the write is lost like a dropped one
        dropped.increment();
        LOG.log(Level.FINE, "cluster write failed", e);
      }
    });
  }

  /** Writes dropped because the queue was full or the cluster refused them. */
  public long dropped() {
    return dropped.sum();
  }

  /** Writes done, and the time they took in all (the cluster operation latency, off the event loops). */
  public long writes() {
    return writes.sum();
  }

  public long writeNanos() {
    return writeNanos.sum();
  }

  /** Lets queued writes finish for up to {@code millis}, then stops. Blocking. */
  public void close(long millis) {
    thread.shutdown();
    try {
      thread.awaitTermination(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.shutdownNow();
  }
}
