package io.gatehouse.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two nodes' tables joined by a hand-driven "cluster" that delivers each published change to every table (the
 * sender included, as Hazelcast does) when the test says so: the orderings that race in a real cluster, made
 * deterministic.
 */
class ClusterStickyTableTest {

  private static final Duration TTL = Duration.ofMinutes(20);

  /** Published changes waiting for delivery; {@code value} null for a removal of {@code removed}. */
  private record Event(String key, StickyValue value, StickyValue removed) {}

  private static final class Wire implements StickyReplication {
    final List<Event> pending = new ArrayList<>();
    final List<ClusterStickyTable> tables = new ArrayList<>();

    @Override
    public void put(String pool, String key, StickyValue value) {
      pending.add(new Event(key, value, null));
    }

    @Override
    public void remove(String pool, String key, StickyValue removed) {
      pending.add(new Event(key, null, removed));
    }

    /** Delivers everything published so far, and what that publishes in turn, until quiet. */
    void deliverAll() {
      while (!pending.isEmpty()) {
        Event e = pending.remove(0);
        for (ClusterStickyTable t : tables) {
          if (e.value() != null) {
            t.applyRemote(e.key(), e.value());
          } else {
            t.applyRemoteRemoval(e.key(), e.removed());
          }
        }
      }
    }
  }

  private final Wire wire = new Wire();
  private final ClusterStickyTable a = table();
  private final ClusterStickyTable b = table();

  private ClusterStickyTable table() {
    ClusterStickyTable t = new ClusterStickyTable("p", 100, wire);
    wire.tables.add(t);
    return t;
  }

  @Test
  void aRecordReachesTheOtherNode() {
    a.record("c1", "m1", TTL);
    assertNull(b.lookup("c1"));
    wire.deliverAll();
    assertEquals("m1", b.lookup("c1"));
    assertEquals(a.entry("c1").createdAtMillis(), b.entry("c1").createdAtMillis());
  }

  @Test
  void conflictingFirstPicksKeepTheEarliestOnEveryNode() throws InterruptedException {
    a.record("c1", "m-late-name-but-first", TTL);
    long first = a.entry("c1").createdAtMillis();
    Await.nextMillisecond(first);
    b.record("c1", "m-a", TTL);
    assertTrue(b.entry("c1").createdAtMillis() > first);
    wire.deliverAll();
    assertEquals("m-late-name-but-first", a.lookup("c1"));
    assertEquals("m-late-name-but-first", b.lookup("c1"));
  }

  @Test
  void theLosersEntryArrivingLastIsRejectedAndTheWinnerRepublished() {
    a.record("c1", "m1", TTL);
    Await.nextMillisecond(a.entry("c1").createdAtMillis());
    b.record("c1", "m2", TTL);
    // the cluster map would end with b's (later) write: a answers with its own again
    Event aWrite = wire.pending.get(0);
    Event bWrite = wire.pending.get(1);
    wire.pending.clear();
    a.applyRemote("c1", bWrite.value());
    assertEquals("m1", a.lookup("c1"));
    assertEquals(1, wire.pending.size(), "a republishes the winner");
    assertEquals(aWrite.value().memberId(), wire.pending.get(0).value().memberId());
    wire.deliverAll();
    assertEquals("m1", b.lookup("c1"));
  }

  @Test
  void aRepickReplacesTheMappingEverywhere() {
    a.record("c1", "m1", TTL);
    wire.deliverAll();
    Await.nextMillisecond(a.entry("c1").createdAtMillis());
    b.record("c1", "m2", TTL); // e.g. m1 refused the connection: another member was picked
    wire.deliverAll();
    assertEquals("m2", a.lookup("c1"));
    assertEquals("m2", b.lookup("c1"));
  }

  @Test
  void forgetRemovesEverywhere() {
    a.record("c1", "m1", TTL);
    wire.deliverAll();
    b.forget("c1");
    wire.deliverAll();
    assertNull(a.lookup("c1"));
    assertNull(b.lookup("c1"));
  }

  @Test
  void hitsDoNotPublishUntilHalfTheTtlIsGone() {
    a.record("c1", "m1", TTL);
    wire.deliverAll();
    for (int i = 0; i < 100; i++) {
      a.touch("c1", TTL);
    }
    assertTrue(wire.pending.isEmpty(), "no write per hit");
  }

  /** Waits (spinning, a millisecond at most) for the wall clock to pass {@code millis}. */
  private static final class Await {
    static void nextMillisecond(long millis) {
      while (System.currentTimeMillis() <= millis) {
        Thread.onSpinWait();
      }
    }
  }
}
