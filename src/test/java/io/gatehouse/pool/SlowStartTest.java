package io.gatehouse.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.HealthMonitorConfig;
import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.OutlierDetection;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolConfig.LbAlgorithm;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.config.SessionPersistence;
import io.gatehouse.config.SlowStart;
import io.gatehouse.session.StickyTable;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Slow start as the balancers apply it: the share of new connections a recovered member gets while it ramps.
 * Picks are counted on snapshots built as of a chosen moment after the recovery, so a 30 s ramp takes no 30 s.
 */
class SlowStartTest {

  private static final SlowStart SLOW = new SlowStart(true, Duration.ofSeconds(30));
  private static final HealthMonitorConfig TCP_MONITOR = new HealthMonitorConfig(HealthMonitorConfig.Type.TCP,
      Duration.ofSeconds(5), Duration.ofSeconds(3), 3, 3, 0, null, null, null, null);
  private static final SessionPersistence SOURCE_IP_PERSISTENCE =
      new SessionPersistence(SessionPersistence.Type.SOURCE_IP, null, Duration.ofMinutes(20));
  private static final int PICKS = 1000;

  /** A monitored pool with slow start, members on 127.0.0.1:9001, 9002 ... of these weights. */
  private static Pool pool(LbAlgorithm lb, SessionPersistence persistence, int... weights) {
    List<MemberConfig> members = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      members.add(new MemberConfig("127.0.0.1", 9001 + i, weights[i], true));
    }
    PoolConfig config = new PoolConfig("p", PoolProtocol.TCP, lb, persistence, TCP_MONITOR, SLOW,
        OutlierDetection.DEFAULT, members);
    return new Pool(config, StickyTable.local(1000), mc -> SocketAddress.inetSocketAddress(mc.protocolPort(),
        mc.address()));
  }

  /** Takes {@code m} OFFLINE and back ONLINE, rebuilding after each change as the health checker does. */
  private static Member recover(Pool pool, int index) {
    Member m = pool.members().get(index);
    m.setHealth(new MemberHealth(MemberStatus.OFFLINE, Instant.now(), "test"));
    pool.rebuild();
    m.setHealth(new MemberHealth(MemberStatus.ONLINE, Instant.now(), "test"));
    pool.rebuild();
    return m;
  }

  /** The pool's snapshot as the rebuild {@code since} after {@code m}'s recovery will make it. */
  private static PoolSnapshot after(Pool pool, Member m, Duration since, boolean hashFirstPicks) {
    long now = System.nanoTime();
    long recoveredAt = now - m.recoveredForNanos(now);
    return PoolSnapshot.build(pool.config(), pool.members(), hashFirstPicks, recoveredAt + since.toNanos());
  }

  private static PoolSnapshot after(Pool pool, Member m, Duration since) {
    return after(pool, m, since, false);
  }

  /** How many of PICKS picks of the snapshot's balancer go to {@code m}. */
  private static int picksOf(PoolSnapshot s, Member m) {
    int n = 0;
    for (int i = 0; i < PICKS; i++) {
      n += s.balancer().pick(0) == m ? 1 : 0;
    }
    return n;
  }

  /** As {@link #picksOf}, each pick held open (least connections steers by open connections), then closed. */
  private static int heldPicksOf(PoolSnapshot s, Member m) {
    List<Member> held = new ArrayList<>();
    for (int i = 0; i < PICKS; i++) {
      Member picked = s.balancer().pick(0);
      picked.acquire();
      held.add(picked);
    }
    held.forEach(Member::release);
    return (int) held.stream().filter(x -> x == m).count();
  }

  /** Where the snapshot's first-pick balancer sends each of a fixed set of client hashes. */
  private static Member[] stickyMap(PoolSnapshot s) {
    Random r = new Random(7);
    Member[] out = new Member[PICKS];
    for (int i = 0; i < PICKS; i++) {
      out[i] = s.stickyBalancer().pick(r.nextLong());
    }
    return out;
  }

  @Test
  void aWeightOneMemberBackFromOfflineStartsWithASmallShareOfTheRoundRobin() {
    Pool pool = pool(LbAlgorithm.ROUND_ROBIN, null, 1, 1);
    Member m = recover(pool, 1);
    int now = picksOf(pool.snapshot(), m);
    assertTrue(now < PICKS * 15 / 100, "right after recovery: " + now + " of " + PICKS);
    assertTrue(pool.snapshot().rampingUp(), "the Runtime rebuilds while it ramps");
    int at3s = picksOf(after(pool, m, Duration.ofSeconds(3)), m);
    assertTrue(at3s < PICKS * 15 / 100, "3 s into 30 s: " + at3s + " of " + PICKS);
    // halfway: half its weight against the other's full one, a third of the picks
    int at15s = picksOf(after(pool, m, Duration.ofSeconds(15)), m);
    assertTrue(at15s > 300 && at15s < 370, "15 s into 30 s: " + at15s + " of " + PICKS);
    PoolSnapshot done = after(pool, m, Duration.ofSeconds(30));
    assertEquals(PICKS / 2, picksOf(done, m), "after the duration, its full half");
    assertFalse(done.rampingUp());
  }

  @Test
  void aWeightHundredMemberRampsLinearlyToo() {
    Pool pool = pool(LbAlgorithm.ROUND_ROBIN, null, 100, 100);
    Member m = recover(pool, 0);
    int now = picksOf(pool.snapshot(), m);
    assertTrue(now < PICKS * 2 / 100, "right after recovery: " + now + " of " + PICKS);
    int at3s = picksOf(after(pool, m, Duration.ofSeconds(3)), m);
    assertTrue(at3s > 60 && at3s < 120, "3 s into 30 s, a tenth of its weight: " + at3s + " of " + PICKS);
    int at15s = picksOf(after(pool, m, Duration.ofSeconds(15)), m);
    assertTrue(at15s > 300 && at15s < 370, "15 s into 30 s: " + at15s + " of " + PICKS);
    assertEquals(PICKS / 2, picksOf(after(pool, m, Duration.ofSeconds(30)), m));
  }

  @Test
  void leastConnectionsRampsAWeightOneMember() {
    Pool pool = pool(LbAlgorithm.LEAST_CONNECTIONS, null, 1, 1);
    Member m = recover(pool, 1);
    int now = heldPicksOf(pool.snapshot(), m);
    assertTrue(now < PICKS * 15 / 100, "right after recovery: " + now + " of " + PICKS + " open connections");
    assertTrue(pool.snapshot().rampingUp());
    int at3s = heldPicksOf(after(pool, m, Duration.ofSeconds(3)), m);
    assertTrue(at3s < PICKS * 15 / 100, "3 s into 30 s: " + at3s + " of " + PICKS);
    assertEquals(PICKS / 2, heldPicksOf(after(pool, m, Duration.ofSeconds(30)), m));
  }

  @Test
  void aWeightOneMemberBackFromAnEjectionRampsLikeOneBackFromOffline() {
    Pool pool = pool(LbAlgorithm.ROUND_ROBIN, null, 1, 1);
    Member m = pool.members().get(1);
    m.setEjected(true);
    pool.rebuild();
    m.setEjected(false);
    pool.rebuild();
    int now = picksOf(pool.snapshot(), m);
    assertTrue(now < PICKS * 15 / 100, "right after the ejection: " + now + " of " + PICKS);
    assertTrue(pool.snapshot().rampingUp(), "the Runtime rebuilds while it ramps");
    assertEquals(PICKS / 2, picksOf(after(pool, m, Duration.ofSeconds(30)), m));
  }

  @Test
  void sourceIpHashingDoesNotRampSoClientsKeepTheirMember() {
    Pool pool = pool(LbAlgorithm.SOURCE_IP, null, 100, 100);
    Member m = recover(pool, 1);
    assertFalse(pool.snapshot().rampingUp(), "no rebuild every second: each would remap clients");
    assertArrayEquals(stickyMap(after(pool, m, Duration.ofSeconds(30))),
        stickyMap(after(pool, m, Duration.ofSeconds(1))));
  }

  @Test
  void firstPicksHashedInAClusterIgnoreTheRampWhileTheRoundRobinRamps() {
    Pool pool = pool(LbAlgorithm.ROUND_ROBIN, SOURCE_IP_PERSISTENCE, 100, 100);
    Member m = recover(pool, 1);
    PoolSnapshot early = after(pool, m, Duration.ofSeconds(1), true);
    assertTrue(early.rampingUp());
    // 1 s into 30 s: a thirtieth of its weight, about 3 % of the picks
    assertTrue(picksOf(early, m) < PICKS * 5 / 100, "the round robin ramps");
    assertArrayEquals(stickyMap(after(pool, m, Duration.ofSeconds(30), true)), stickyMap(early),
        "the hash of first picks does not");
  }
}
