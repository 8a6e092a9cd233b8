package io.gatehouse.log;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One log line per period at most for an event that comes in floods (out of descriptors, protocol abuse), with how
 * many happened since the last line: a flood must not fill the disk, and the operator still sees its size.
 */
public final class LogThrottle {

  private static final long EVERY_NANOS = 10_000_000_000L;

  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - EVERY_NANOS);
  private final LongAdder seen = new LongAdder();

  /** Counts one event; returns how many there were since the last line when a line is due now, else 0. */
  public long due() {
    seen.increment();
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= EVERY_NANOS && lastLogged.compareAndSet(last, now)) {
      return seen.sumThenReset();
    }
    return 0;
  }
}
