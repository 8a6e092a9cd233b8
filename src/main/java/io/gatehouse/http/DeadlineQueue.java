package io.gatehouse.http;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one duration on one event loop: every entry is due {@code nanos} after it was last added, so
 * entries come due in the order they were added, and a list in that order needs no sorting. One scheduled check
 * per queue (for its first entry) instead of a scheduled task per connection: an idle connection holds only its
 * {@link Entry} (about 40 bytes, where a task of its own and the state around it took about 130), and moving a
 * connection's deadline is unlinking and appending, with no allocation and no priority-queue work on the event
 * loop's timer heap. Event-loop confined.
 */
public final class DeadlineQueue {

  /** One connection's place in at most one queue at a time. */
  public static final class Entry {

    private final Runnable expired;
    private DeadlineQueue queue;
    private Entry prev;
    private Entry next;
    private long deadline;

    /** @param expired run on the event loop when the entry comes due while still queued */
    public Entry(Runnable expired) {
      this.expired = expired;
    }

    /** Taken out of its queue, if in one: nothing is due for it. */
    public void remove() {
      if (queue != null) {
        queue.unlink(this);
      }
    }
  }

  private final EventExecutor loop;
  private final long nanos;
  private Entry head;
  private Entry tail;
  private ScheduledFuture<?> pending;
  private final Runnable check = this::check;

  public DeadlineQueue(EventExecutor loop, long nanos) {
    this.loop = loop;
    this.nanos = nanos;
  }

  /**
   * The queue for {@code nanos} on {@code loop} among {@code queues} (one listener instance's), made and added
   * when there is none; once there are several, the empty ones (durations a reload replaced) are dropped.
   */
  public static DeadlineQueue of(java.util.List<DeadlineQueue> queues, EventExecutor loop, long nanos) {
    for (DeadlineQueue q : queues) {
      if (q.nanos == nanos && q.loop == loop) {
        return q;
      }
    }
    if (queues.size() >= 8) { // durations of past versions: a connection that still holds one keeps it working
      queues.removeIf(q -> q.head == null && q.pending == null);
    }
    DeadlineQueue q = new DeadlineQueue(loop, nanos);
    queues.add(q);
    return q;
  }

  /** {@code e} comes due {@link #nanos()} from now (out of whichever queue it was in). */
  public void add(Entry e) {
    e.remove();
    e.deadline = System.nanoTime() + nanos;
    e.queue = this;
    e.prev = tail;
    if (tail == null) {
      head = e;
    } else {
      tail.next = e;
    }
    tail = e;
    if (pending == null) {
      pending = loop.schedule(check, nanos, TimeUnit.NANOSECONDS);
    }
  }

  private void unlink(Entry e) {
    if (e.prev == null) {
      head = e.next;
    } else {
      e.prev.next = e.next;
    }
    if (e.next == null) {
      tail = e.prev;
    } else {
      e.next.prev = e.prev;
    }
    e.prev = null;
    e.next = null;
    e.queue = null;
    // a pending check with nothing left finds nothing and lapses: cancelling would cost more than it saves
  }

  private void check() {
    pending = null;
    long now = System.nanoTime();
    while (head != null && head.deadline - now <= 0) {
      Entry due = head;
      unlink(due);
      due.expired.run(); // may add entries: they are due later than any left
    }
    if (head != null && pending == null) {
      pending = loop.schedule(check, head.deadline - now, TimeUnit.NANOSECONDS);
    }
  }
}
