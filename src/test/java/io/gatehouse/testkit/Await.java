package io.gatehouse.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Deadline polling: waits for a condition instead of sleeping a fixed time. */
public final class Await {

  private Await() {}

  public static void until(Duration limit, BooleanSupplier condition, Supplier<String> failure) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + limit.toMillis() + " ms: " + failure.get());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
  }

  public static void until(Duration limit, BooleanSupplier condition, String failure) {
    until(limit, condition, () -> failure);
  }

  /** Waits until {@code value} has not changed for {@code quiet} (a sender that stopped), within {@code limit}. */
  public static void steady(Duration limit, java.util.function.LongSupplier value, Duration quiet, String failure) {
    long[] last = {value.getAsLong()};
    long[] since = {System.nanoTime()};
    until(limit, () -> {
      long now = value.getAsLong();
      if (now != last[0]) {
        last[0] = now;
        since[0] = System.nanoTime();
      }
      return System.nanoTime() - since[0] > quiet.toNanos();
    }, failure);
  }
}
