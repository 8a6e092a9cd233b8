package io.gatehouse.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PoolTest {

  private static final Function<MemberConfig, SocketAddress> RESOLVER =
      mc -> SocketAddress.inetSocketAddress(mc.protocolPort(), mc.address());
  private static final SessionPersistence SOURCE_IP =
      new SessionPersistence(SessionPersistence.Type.SOURCE_IP, null, Duration.ofMinutes(20));
  private static final HealthMonitorConfig TCP_MONITOR = new HealthMonitorConfig(HealthMonitorConfig.Type.TCP,
      Duration.ofSeconds(5), Duration.ofSeconds(3), 3, 3, 0, null, null, null, null);

  private static MemberConfig mc(int port, int weight, boolean up) {
    return new MemberConfig("127.0.0.1", port, weight, up);
  }

  private static PoolConfig config(LbAlgorithm lb, SessionPersistence sp, HealthMonitorConfig hm, SlowStart ss,
      MemberConfig... members) {
    return new PoolConfig("p", PoolProtocol.TCP, lb, sp, hm, ss, OutlierDetection.DEFAULT, List.of(members));
  }

  private static Pool pool(PoolConfig config) {
    return new Pool(config, StickyTable.local(1000), RESOLVER);
  }

  private static Pool stickyPool() {
    return pool(config(LbAlgorithm.ROUND_ROBIN, SOURCE_IP, null, null,
        mc(9001, 1, true), mc(9002, 1, true), mc(9003, 1, true)));
  }

  private static void setStatus(Member m, MemberStatus status) {
    m.setHealth(new MemberHealth(status, Instant.now(), "test"));
  }

  @Test
  void sourceIpPersistenceSticks() {
    Pool pool = stickyPool();
    Pick first = pool.pick("10.0.0.1", 1);
    assertEquals(PickReason.ROUND_ROBIN, first.reason());
    Set<Member> others = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      others.add(pool.pick("10.0.0.2", 2).member());
      assertEquals(new Pick(first.member(), PickReason.STICKY), pool.pick("10.0.0.1", 1));
    }
    assertEquals(1, others.size(), "the other client sticks as well");
    assertEquals(first.member().id(), pool.sticky().lookup("10.0.0.1"));
  }

  @Test
  void aStickyMemberThatTurnsUnusableIsReplaced() {
    Pool pool = stickyPool();
    Member first = pool.pick("10.0.0.1", 1).member();
    setStatus(first, MemberStatus.OFFLINE);
    pool.rebuild();
    Pick replaced = pool.pick("10.0.0.1", 1);
    assertEquals(PickReason.ROUND_ROBIN, replaced.reason());
    assertNotEquals(first, replaced.member());
    setStatus(first, MemberStatus.NO_MONITOR);
    pool.rebuild();
    assertEquals(new Pick(replaced.member(), PickReason.STICKY), pool.pick("10.0.0.1", 1), "no move back");
  }

  @Test
  void aStickyMemberSetToWeightZeroIsReplaced() {
    Pool pool = stickyPool();
    Member first = pool.pick("10.0.0.1", 1).member();
    PoolConfig c = pool.config();
    List<MemberConfig> changed = c.members().stream()
        .map(m -> m.id().equals(first.id()) ? mc(m.protocolPort(), 0, true) : m).toList();
    pool.apply(new PoolConfig("p", c.protocol(), c.lbAlgorithm(), c.sessionPersistence(), null, null,
        c.outlierDetection(), changed),
        RESOLVER);
    Pick next = pool.pick("10.0.0.1", 1);
    assertNotEquals(first, next.member());
    assertEquals(PickReason.ROUND_ROBIN, next.reason());
  }

  @Test
  void pickOtherUnderPersistenceSticksToTheNewMember() {
    Pool pool = stickyPool();
    Member first = pool.pick("10.0.0.1", 1).member();
    Member other = pool.pickOther(first, "10.0.0.1", 1).member();
    assertNotEquals(first, other);
    assertEquals(new Pick(other, PickReason.STICKY), pool.pick("10.0.0.1", 1));
  }

  @Test
  void weightZeroAndAdminDownMembersGetNoNewPicks() {
    Pool pool = pool(config(LbAlgorithm.ROUND_ROBIN, null, null, null,
        mc(9001, 0, true), mc(9002, 2, true), mc(9003, 1, false)));
    assertEquals(List.of(pool.member("127.0.0.1:9002")), pool.snapshot().usable());
    for (int i = 0; i < 20; i++) {
      assertEquals(9002, pool.pick("10.0.0.1", i).member().config().protocolPort());
    }
    assertEquals(Pick.NONE, pool.pickOther(pool.member("127.0.0.1:9002"), "10.0.0.1", 0));
  }

  @Test
  void noUsableMemberGivesNone() {
    Pool pool = stickyPool();
    pool.members().forEach(m -> setStatus(m, MemberStatus.OFFLINE));
    pool.rebuild();
    assertEquals(Pick.NONE, pool.pick("10.0.0.1", 1));
    assertEquals(Pick.NONE, pool.pickOther(pool.members().get(0), "10.0.0.1", 1));
    assertEquals(0, pool.sticky().size());

    Pool allDown = pool(config(LbAlgorithm.LEAST_CONNECTIONS, null, null, null, mc(9001, 0, true)));
    assertEquals(Pick.NONE, allDown.pick("10.0.0.1", 1));
  }

  @Test
  void sourceIpHashingIsStableWithoutPersistence() {
    Pool pool = pool(config(LbAlgorithm.SOURCE_IP, null, null, null,
        mc(9001, 1, true), mc(9002, 1, true), mc(9003, 1, true)));
    Pick first = pool.pick("10.0.0.1", 12345);
    assertEquals(PickReason.HASH, first.reason());
    for (int i = 0; i < 5; i++) {
      assertEquals(first, pool.pick("10.0.0.1", 12345));
    }
  }

  @Test
  void applyKeepsTheMembersThatRemain() {
    Pool pool = pool(config(LbAlgorithm.ROUND_ROBIN, null, null, null, mc(9001, 1, true), mc(9002, 1, true)));
    Member kept = pool.member("127.0.0.1:9001");
    kept.acquire();
    setStatus(kept, MemberStatus.OFFLINE);
    pool.apply(config(LbAlgorithm.ROUND_ROBIN, null, null, null, mc(9003, 1, true), mc(9001, 5, true)), RESOLVER);
    assertSame(kept, pool.member("127.0.0.1:9001"));
    assertEquals(1, kept.active());
    assertEquals(5, kept.configuredWeight());
    assertEquals(MemberStatus.NO_MONITOR, kept.health().status(), "no monitor any more: NO_MONITOR");
    assertNull(pool.member("127.0.0.1:9002"));
    assertEquals(List.of("127.0.0.1:9003", "127.0.0.1:9001"), pool.members().stream().map(Member::id).toList());
  }

  @Test
  void aMonitorAddedOrRemovedSetsTheContractStatus() {
    Pool pool = pool(config(LbAlgorithm.ROUND_ROBIN, null, null, null, mc(9001, 1, true)));
    Member m = pool.member("127.0.0.1:9001");
    assertEquals(MemberStatus.NO_MONITOR, m.health().status());
    pool.apply(config(LbAlgorithm.ROUND_ROBIN, null, TCP_MONITOR, null, mc(9001, 1, true)), RESOLVER);
    assertEquals(MemberStatus.ONLINE, m.health().status());
    setStatus(m, MemberStatus.OFFLINE);
    pool.apply(config(LbAlgorithm.ROUND_ROBIN, null, TCP_MONITOR, null, mc(9001, 1, true)), RESOLVER);
    assertEquals(MemberStatus.OFFLINE, m.health().status(), "the monitor's verdict stays");
    pool.apply(config(LbAlgorithm.ROUND_ROBIN, null, null, null, mc(9001, 1, true)), RESOLVER);
    assertEquals(MemberStatus.NO_MONITOR, m.health().status());
  }

  @Test
  void slowStartRampsRecoveredMembersOnly() {
    SlowStart slow = new SlowStart(true, Duration.ofSeconds(1200));
    Pool pool = pool(config(LbAlgorithm.ROUND_ROBIN, null, TCP_MONITOR, slow, mc(9001, 100, true), mc(9002, 50, true)));
    PoolSnapshot s = pool.snapshot();
    assertEquals(100, s.effectiveWeight(0), "members present at start are not ramped");
    assertEquals(50, s.effectiveWeight(1));
    assertTrue(!s.rampingUp());

    Member m = pool.member("127.0.0.1:9001");
    setStatus(m, MemberStatus.OFFLINE);
    pool.rebuild();
    setStatus(m, MemberStatus.ONLINE);
    pool.rebuild();
    s = pool.snapshot();
    // just recovered: a tiny fraction of 1200 s has passed
    double weight = s.effectiveWeight(s.usable().indexOf(m));
    assertTrue(weight < 1, "a fraction of a configured weight: " + weight);
    assertTrue(s.rampingUp());
  }

  @Test
  void slowStartRampsAMemberBackFromAnEjectionLikeOneBackFromOffline() {
    SlowStart slow = new SlowStart(true, Duration.ofSeconds(1200));
    Pool pool = pool(config(LbAlgorithm.ROUND_ROBIN, null, null, slow, mc(9001, 100, true), mc(9002, 50, true)));
    Member m = pool.member("127.0.0.1:9001");
    m.setEjected(true);
    pool.rebuild();
    assertEquals(List.of(pool.member("127.0.0.1:9002")), pool.snapshot().usable());
    m.setEjected(false);
    pool.rebuild();
    PoolSnapshot s = pool.snapshot();
    double weight = s.effectiveWeight(s.usable().indexOf(m));
    assertTrue(weight < 1, "a fraction of a configured weight: " + weight);
    assertTrue(s.rampingUp());
  }

  @Test
  void anEjectionEndingWhileOfflineIsNoRecovery() {
    SlowStart slow = new SlowStart(true, Duration.ofSeconds(1200));
    Pool pool = pool(config(LbAlgorithm.ROUND_ROBIN, null, TCP_MONITOR, slow, mc(9001, 100, true)));
    Member m = pool.member("127.0.0.1:9001");
    m.setEjected(true);
    setStatus(m, MemberStatus.OFFLINE);
    m.setEjected(false); // the probes took it OFFLINE meanwhile: it stays out, nothing to ramp yet
    pool.rebuild();
    assertTrue(pool.snapshot().usable().isEmpty());
    assertEquals(Long.MAX_VALUE, m.recoveredForNanos(System.nanoTime()));
  }

  @Test
  void peekForeseesPicksAndChangesNothing() {
    Pool pool = stickyPool();
    Pick foreseen = pool.peek("10.0.0.1", 1);
    assertEquals(PickReason.ROUND_ROBIN, foreseen.reason());
    assertEquals(foreseen, pool.peek("10.0.0.1", 1), "peeking twice sees the same");
    assertNull(pool.sticky().lookup("10.0.0.1"), "a peek records no sticky entry");
    assertEquals(foreseen, pool.pick("10.0.0.1", 1));
    assertEquals(new Pick(foreseen.member(), PickReason.STICKY), pool.peek("10.0.0.1", 1));

    Member m = foreseen.member();
    setStatus(m, MemberStatus.OFFLINE);
    pool.rebuild();
    assertNotEquals(m, pool.peek("10.0.0.1", 1).member(), "an unusable sticky member is not shown");
    assertEquals(m.id(), pool.sticky().lookup("10.0.0.1"), "nor forgotten by a peek");
  }

  @Test
  void peekOnAPoolWithoutUsableMembersFindsNone() {
    Pool pool = pool(config(LbAlgorithm.ROUND_ROBIN, null, null, null, mc(9001, 1, false)));
    assertEquals(Pick.NONE, pool.peek("10.0.0.1", 1));
  }
}
