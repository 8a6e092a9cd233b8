package io.gatehouse.listener;

import io.gatehouse.log.LogThrottle;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Tells a failure of this gateway (no file descriptor or buffer left to open a socket) from a failure of the
 * member it was connecting to. Only the member's own failures may count against it in passive health: running
 * out of descriptors would otherwise eject every member at once and keep them out after the gateway recovered.
 */
public final class LocalFailure {

  private static final Logger LOG = Logger.getLogger(LocalFailure.class.getName());
  private static final LogThrottle THROTTLE = new LogThrottle();

  private LocalFailure() {}

  /** True for errors of this host's resources (EMFILE, ENFILE, ENOBUFS), logged; false for the member's. */
  public static boolean isLocal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("too many open files") || m.contains("no buffer space") || m.contains("file table overflow")) {
        long count = THROTTLE.due();
        if (count > 0) {
          LOG.warning("out of local resources (" + t.getMessage() + "), " + count
              + " connects so far: not counted against members");
        }
        return true;
      }
    }
    return false;
  }
}
