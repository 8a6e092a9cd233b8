package io.gatehouse.listener;

import java.util.Locale;
import java.util.logging.Logger;

/**
 * Tells a failure of this gateway (no file descriptor or buffer left to open a socket) from a failure of the
 * member it was connecting to. Only the member's own failures may count against it in passive health: running
 * out of descriptors would otherwise eject every member at once and keep them out after the gateway recovered.
 */
public final class LocalFailure {

  private static final Logger LOG = Logger.getLogger(LocalFailure.class.getName());
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;
  private static final java.util.concurrent.atomic.AtomicLong lastLogged = new java.util.concurrent.atomic.AtomicLong();
  private static final java.util.concurrent.atomic.LongAdder seen = new java.util.concurrent.atomic.LongAdder();

  private LocalFailure() {}

  /** True for errors of this host's resources (EMFILE, ENFILE, ENOBUFS), logged; false for the member's. */
  public static boolean isLocal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("too many open files") || m.contains("no buffer space") || m.contains("file table overflow")) {
        seen.increment();
        long now = System.nanoTime();
        long last = lastLogged.get();
        // one line per 10 s at most: exhaustion comes in floods
        if ((last == 0 || now - last > LOG_EVERY_NANOS) && lastLogged.compareAndSet(last, now)) {
          LOG.warning("out of local resources (" + t.getMessage() + "), " + seen.sumThenReset()
              + " connects so far: not counted against members");
        }
        return true;
      }
    }
    return false;
  }
}
