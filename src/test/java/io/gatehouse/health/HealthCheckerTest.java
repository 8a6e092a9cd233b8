package io.gatehouse.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.ExpectedCodes;
import io.gatehouse.config.HealthMonitorConfig;
import io.gatehouse.config.HealthMonitorConfig.Type;
import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.OutlierDetection;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberHealth;
import io.gatehouse.pool.MemberStatus;
import io.gatehouse.pool.Pool;
import io.gatehouse.session.StickyTable;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A checker driven directly, on a context of its own: reconfiguration and passive ejection timing. */
class HealthCheckerTest {

  static final Duration VERDICT = Duration.ofMillis(400 + 1200);

  Vertx vertx;
  Context context;
  Backends backends;
  Pool pool;
  HealthChecker checker;

  @BeforeEach
  void setUp() {
    vertx = TestVertx.create();
    context = vertx.getOrCreateContext();
    backends = new Backends();
  }

  @AfterEach
  void tearDown() {
    if (checker != null) {
      on(() -> {
        checker.stop();
        return null;
      });
    }
    Sync.await(vertx.close());
    backends.close();
  }

  <T> T on(Callable<T> action) {
    return Sync.await(Future.future(p -> context.runOnContext(v -> {
      try {
        p.complete(action.call());
      } catch (Exception e) {
        p.fail(e);
      }
    })));
  }

  static HealthMonitorConfig monitor(Type type, double delaySeconds) {
    Duration delay = Duration.ofMillis((long) (delaySeconds * 1000));
    return new HealthMonitorConfig(type, delay, Duration.ofMillis(Math.min(200, delay.toMillis())), 2, 2, 0,
        "/", "GET", null, ExpectedCodes.parse("200").orElseThrow());
  }

  static PoolConfig config(HealthMonitorConfig monitor, int... ports) {
    return config(monitor, OutlierDetection.DEFAULT, ports);
  }

  static PoolConfig config(HealthMonitorConfig monitor, OutlierDetection detection, int... ports) {
    List<MemberConfig> members = Arrays.stream(ports)
        .mapToObj(p -> new MemberConfig("127.0.0.1", p, 1, true)).toList();
    return new PoolConfig("p", PoolProtocol.TCP, PoolConfig.LbAlgorithm.ROUND_ROBIN, null, monitor, null, detection,
        members);
  }

  void start(PoolConfig config) {
    checker = on(() -> {
      pool = new Pool(config, StickyTable.local(100), mc -> SocketAddress.inetSocketAddress(mc.protocolPort(),
          "127.0.0.1"));
      HealthChecker c = new HealthChecker(vertx, pool, new ProbeClients(vertx));
      c.start();
      return c;
    });
  }

  void apply(PoolConfig next) {
    on(() -> {
      pool.apply(next, mc -> SocketAddress.inetSocketAddress(mc.protocolPort(), "127.0.0.1"));
      checker.update(next);
      return null;
    });
  }

  Member member(int port) {
    return on(() -> pool.member("127.0.0.1:" + port));
  }

  ProbeCounts counts(int port) {
    return checker.probeCounts().get("127.0.0.1:" + port);
  }

  @Test
  void updateKeepsStatusAndCountersOfRemainingMembersAndProbesNewOnesAtOnce() {
    Backends.Member up = backends.tcpEcho("up");
    Backends.Member gone = backends.tcpEcho("gone");
    int dead = TestPorts.free();
    start(config(monitor(Type.TCP, 0.2), up.port(), dead, gone.port()));
    Await.until(VERDICT, () -> member(dead).health().status() == MemberStatus.OFFLINE, "dead goes OFFLINE");
    MemberHealth offline = member(dead).health();
    long deadFailures = counts(dead).failure();

    // delay and type change, one member leaves, one arrives
    Backends.Member added = backends.http("added", false, req -> req.response().end());
    apply(config(monitor(Type.HTTP, 0.3), up.port(), dead, added.port()));
    assertEquals(offline, member(dead).health());
    assertTrue(counts(dead).failure() >= deadFailures);
    assertNull(counts(gone.port()));
    assertEquals(MemberStatus.ONLINE, member(added.port()).health().status());
    Await.until(VERDICT, () -> counts(added.port()).success() >= 1, "the new member is probed at once");
    assertEquals("127.0.0.1:" + dead, member(dead).toString());
    assertEquals(MemberStatus.OFFLINE, member(dead).health().status());
    assertEquals(offline.since(), member(dead).health().since());
    int goneHits = gone.hits.get();

    // the monitor removed: NO_MONITOR, and probing stops
    apply(config(null, up.port(), dead, added.port()));
    assertEquals(MemberStatus.NO_MONITOR, member(dead).health().status());
    assertFalse(checker.monitored());
    int addedHits = added.hits.get();
    on(() -> vertx.timer(600).map(v -> null));
    assertEquals(addedHits, added.hits.get());
    assertEquals(goneHits, gone.hits.get());
  }

  @Test
  void withoutMonitorAnEjectionEndsWhenItsBackOffDoesAndRepeatedEjectionsLastLonger() {
    int dead = TestPorts.free();
    Backends.Member other = backends.tcpEcho("other");
    start(config(null, new OutlierDetection(true, 3, Duration.ofMillis(300)), dead, other.port()));
    Member m = member(dead);
    for (int i = 0; i < 3; i++) {
      m.recordFailure();
    }
    Await.until(Duration.ofSeconds(1), m::ejected, "three failures eject");
    long ejectedAt = System.nanoTime();
    assertEquals(MemberStatus.NO_MONITOR, m.health().status());
    assertFalse(on(() -> pool.snapshot().usable().contains(m)));
    Await.until(Duration.ofSeconds(2), () -> !m.ejected(), "the back-off ends");
    long firstMillis = (System.nanoTime() - ejectedAt) / 1_000_000;
    assertTrue(firstMillis >= 250, "first back-off lasted " + firstMillis + " ms");
    assertTrue(on(() -> pool.snapshot().usable().contains(m)));

    for (int i = 0; i < 3; i++) {
      m.recordFailure();
    }
    Await.until(Duration.ofSeconds(1), m::ejected, "ejected again");
    ejectedAt = System.nanoTime();
    Await.until(Duration.ofSeconds(3), () -> !m.ejected(), "the second back-off ends");
    long secondMillis = (System.nanoTime() - ejectedAt) / 1_000_000;
    assertTrue(secondMillis >= 550, "second back-off (twice the base) lasted " + secondMillis + " ms");
  }

  @Test
  void aSuccessBetweenFailuresRestartsTheStreak() {
    int dead = TestPorts.free();
    start(config(null, new OutlierDetection(true, 3, Duration.ofSeconds(30)), dead));
    Member m = member(dead);
    for (int i = 0; i < 10; i++) {
      m.recordFailure();
      m.recordFailure();
      m.recordSuccess();
    }
    on(() -> vertx.timer(100).map(v -> null));
    assertFalse(m.ejected());
  }

  @Test
  void anUpdateCarriesNewOutlierSettingsAndDisablingReturnsEjectedMembers() {
    int dead = TestPorts.free();
    start(config(null, new OutlierDetection(true, 3, Duration.ofSeconds(30)), dead));
    Member m = member(dead);
    apply(config(null, new OutlierDetection(true, 2, Duration.ofSeconds(30)), dead));
    m.recordFailure();
    m.recordFailure();
    Await.until(Duration.ofSeconds(1), m::ejected, "two failures eject once the update asks for two");

    apply(config(null, new OutlierDetection(false, 2, Duration.ofSeconds(30)), dead));
    assertFalse(m.ejected(), "turning detection off returns the member at once");
    for (int i = 0; i < 5; i++) {
      m.recordFailure();
    }
    on(() -> vertx.timer(100).map(v -> null));
    assertFalse(m.ejected());
  }
}
