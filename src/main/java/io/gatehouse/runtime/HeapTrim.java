package io.gatehouse.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import java.util.logging.Logger;

/**
 * Lets an idle gateway hand its unused heap back to the system. G1 sizes the young generation from an initial
 * heap of 1/64 of the machine's memory and gives pages back only when a concurrent cycle or a full GC shrinks the
 * heap; a gateway holding idle connections allocates too little to start either, so the garbage of its busy
 * minutes would stay resident. A periodic collection after {@link #INTERVAL_MS} without any GC, with a small
 * free ratio, shrinks it. Only flags the operator left at their defaults are set (JAVA_OPTS wins), and only the
 * manageable ones, which the JVM accepts at run time.
 */
public final class HeapTrim {

  private static final Logger LOG = Logger.getLogger(HeapTrim.class.getName());

  /** Idle time before a collection: long enough that a loaded gateway never pays for one. */
  static final long INTERVAL_MS = 5_000;

  private HeapTrim() {
  }

  /** Sets the flags once for this process; a JVM without them (another collector, another vendor) is left alone. */
  public static void apply() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (vm == null) {
      return;
    }
    setIfDefault(vm, "G1PeriodicGCInterval", Long.toString(INTERVAL_MS));
    // the minimum first: the JVM refuses a maximum below the minimum (default 40)
    setIfDefault(vm, "MinHeapFreeRatio", "10");
    setIfDefault(vm, "MaxHeapFreeRatio", "30");
  }

  private static void setIfDefault(HotSpotDiagnosticMXBean vm, String flag, String value) {
    try {
      VMOption option = vm.getVMOption(flag);
      if (option.getOrigin() == VMOption.Origin.DEFAULT) {
        vm.setVMOption(flag, value);
      }
    } catch (IllegalArgumentException e) {
      LOG.fine(() -> flag + " not set: " + e.getMessage());
    }
  }
}
