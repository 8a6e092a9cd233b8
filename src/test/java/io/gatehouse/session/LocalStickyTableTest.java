package io.gatehouse.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Concurrently;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalStickyTableTest {

  private static final Duration TTL = Duration.ofMinutes(20);

  private final AtomicLong now = new AtomicLong(1_000_000L);
  private final LocalStickyTable table = new LocalStickyTable(3, now::get);

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void anEntryLivesForItsTtl() {
    table.record("10.0.0.1", "m1:80", TTL);
    advance(TTL.minusNanos(1));
    assertEquals("m1:80", table.lookup("10.0.0.1"));
    assertEquals(0, table.entry("10.0.0.1").expiresInMillis());
    advance(Duration.ofNanos(1));
    assertNull(table.lookup("10.0.0.1"));
    assertNull(table.entry("10.0.0.1"));
    assertEquals(0, table.size(), "an expired entry is removed when read");
  }

  @Test
  void recordReplaces() {
    table.record("k", "m1:80", TTL);
    advance(Duration.ofMinutes(19));
    table.record("k", "m2:80", TTL);
    advance(Duration.ofMinutes(19));
    assertEquals("m2:80", table.lookup("k"));
    assertEquals(Duration.ofMinutes(1).toMillis(), table.entry("k").expiresInMillis());
  }

  @Test
  void touchExtendsOnlyOnceLessThanHalfTheTtlIsLeft() {
    table.record("k", "m1:80", TTL);
    advance(Duration.ofMinutes(9));
    table.touch("k", TTL); // 11 minutes left: no write
    assertEquals(Duration.ofMinutes(11).toMillis(), table.entry("k").expiresInMillis());
    advance(Duration.ofMinutes(2));
    table.touch("k", TTL); // 9 minutes left: extended to 20
    assertEquals(TTL.toMillis(), table.entry("k").expiresInMillis());
    advance(TTL.minusNanos(1));
    assertEquals("m1:80", table.lookup("k"));
  }

  @Test
  void touchDoesNotReviveOrCreate() {
    table.touch("absent", TTL);
    assertNull(table.lookup("absent"));
    table.record("k", "m1:80", TTL);
    advance(TTL);
    table.touch("k", TTL);
    assertNull(table.lookup("k"));
  }

  @Test
  void forgetRemoves() {
    table.record("k", "m1:80", TTL);
    table.forget("k");
    assertNull(table.lookup("k"));
    assertEquals(0, table.size());
    table.forget("k");
  }

  @Test
  void sweepRemovesExpiredEntriesOnly() {
    table.record("old", "m1:80", Duration.ofMinutes(1));
    table.record("new", "m1:80", TTL);
    advance(Duration.ofMinutes(1));
    assertEquals(2, table.size());
    table.sweep();
    assertEquals(1, table.size());
    assertEquals("m1:80", table.lookup("new"));
  }

  @Test
  void aFullTableRefusesNewKeysButUpdatesExistingOnes() {
    table.record("a", "m1:80", TTL);
    table.record("b", "m1:80", TTL);
    table.record("c", "m1:80", TTL);
    table.record("d", "m1:80", TTL);
    table.record("e", "m1:80", TTL);
    assertNull(table.lookup("d"));
    assertEquals(2, table.overflows());
    table.record("a", "m2:80", TTL);
    assertEquals("m2:80", table.lookup("a"));
    assertEquals(3, table.size());

    table.forget("b"); // frees a slot
    table.record("d", "m1:80", TTL);
    assertEquals("m1:80", table.lookup("d"));

    advance(TTL);
    table.sweep(); // expired entries free their slots too
    table.record("x", "m1:80", TTL);
    table.record("y", "m1:80", TTL);
    table.record("z", "m1:80", TTL);
    assertEquals(3, table.size());
    assertEquals(2, table.overflows());
  }

  @Test
  void concurrentRecordsAndLookupsKeepTheBound() throws InterruptedException {
    LocalStickyTable bounded = new LocalStickyTable(500, now::get);
    int threads = 4;
    int keysPerThread = 300;
    AtomicInteger wrongReads = new AtomicInteger();
    Concurrently.run(threads, t -> {
      for (int i = 0; i < keysPerThread; i++) {
        String key = t + "/" + i;
        String member = "m" + t + ":" + i;
        bounded.record(key, member, TTL);
        String read = bounded.lookup(key);
        if (read != null && !read.equals(member)) {
          wrongReads.incrementAndGet();
        }
        bounded.record("shared", member, TTL);
      }
    });
    assertEquals(0, wrongReads.get());
    assertEquals(500, bounded.size());
    // 1201 distinct keys were offered to 500 slots
    assertEquals(1201 - 500, bounded.overflows());
    assertTrue(bounded.lookup("shared").startsWith("m"));
  }
}
