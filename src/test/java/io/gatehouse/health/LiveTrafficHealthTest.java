package io.gatehouse.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberStatus;
import io.gatehouse.pool.PoolSnapshot;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Health as live traffic through a TCP listener sees it: passive ejection, sticky moves, slow start. */
class LiveTrafficHealthTest extends GatewayHealthTest {

  @Test
  void connectFailuresEjectAMemberLongBeforeItsNextProbe() {
    // probes every 30 s and 3 failures to go OFFLINE: only the passive path can react within this test
    Member d = startWithADeadMember(",\"health_monitor\":{\"type\":\"TCP\",\"delay\":30,\"timeout\":1}");
    long started = System.nanoTime();
    for (int i = 0; i < 12 && !d.ejected(); i++) {
      connectThroughLive();
    }
    Await.until(Duration.ofSeconds(2), d::ejected, "five connect failures eject the member");
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos());
    assertEquals(MemberStatus.ONLINE, d.health().status(), "the shared status stays the probes' verdict");
    HealthChecker checker = gw.gateway().runtime().view().health().get("p");
    Await.until(Duration.ofSeconds(2), () -> checker.probeCounts().get(d.id()).failure() >= 2,
        "the ejection asks for a probe at once");
    long failures = d.failures();
    for (int i = 0; i < 10; i++) {
      connectThroughLive();
    }
    assertEquals(failures, d.failures(), "no connection is tried on the ejected member");
  }

  @Test
  void aConfiguredConsecutiveFailuresOfTwoEjectsAfterTwoFailures() {
    Member d = startWithADeadMember(",\"outlier_detection\":{\"consecutive_failures\":2,\"base_ejection_time\":60}");
    for (int i = 0; i < 10 && d.failures() < 2; i++) {
      assertFalse(d.ejected(), "ejected after " + d.failures() + " failure(s)");
      connectThroughLive();
    }
    Await.until(Duration.ofSeconds(2), d::ejected, "two connect failures eject the member (the default is five)");
    assertEquals(2, d.failures());
  }

  @Test
  void aStickyClientMovesWhenItsMemberGoesOfflineAndItsEntryIsReplaced() {
    HttpMember a = httpMember("a", false);
    HttpMember b = httpMember("b", false);
    start("TCP", ",\"session_persistence\":{\"type\":\"SOURCE_IP\"},"
        + "\"health_monitor\":{\"type\":\"HTTP\",\"url_path\":\"/health\"," + FAST + "}",
        members(a.server.port(), b.server.port()));
    String first = viaTcpListener("127.0.0.3");
    assertEquals(first, viaTcpListener("127.0.0.3"));
    HttpMember stuck = first.equals("a") ? a : b;
    HttpMember other = first.equals("a") ? b : a;
    stuck.code.set(500);
    awaitStatus(stuck.server.port(), MemberStatus.OFFLINE, VERDICT);
    assertEquals(other.server.name, viaTcpListener("127.0.0.3"));
    assertEquals(memberAt(other.server.port()).id(), pool().sticky().lookup("127.0.0.3"));
    stuck.code.set(200);
    awaitStatus(stuck.server.port(), MemberStatus.ONLINE, VERDICT);
    assertEquals(other.server.name, viaTcpListener("127.0.0.3"),
        "the replaced entry holds after the old member returns");
  }

  /** Weight 1 as well: a ramp rounded to whole weights would give it its full share at once. */
  @ParameterizedTest
  @ValueSource(ints = {1, 100})
  void aRecoveredMemberRampsUpItsShareUnderSlowStart(int weight) {
    Backends.Member a = httpMember("a", false).server;
    HttpMember recovering = httpMember("b", false);
    Backends.Member b = recovering.server;
    // five failed probes to go OFFLINE: two timeouts in a row on a loaded machine would take a out and back,
    // ramping it as well and skewing the shares
    start("TCP", ",\"slow_start\":{\"enable\":true,\"duration\":30},\"health_monitor\":{\"type\":\"HTTP\","
        + "\"url_path\":\"/health\",\"delay\":0.2,\"timeout\":0.2,\"max_retries\":2,\"max_retries_down\":5}",
        "[" + member(a.port(), weight) + "," + member(b.port(), weight) + "]");
    assertEquals(weight, weightOf(pool().snapshot(), b.port()), "members present at start take their full weight");
    recovering.code.set(500);
    awaitStatus(b.port(), MemberStatus.OFFLINE, VERDICT.plusSeconds(1));
    recovering.code.set(200);
    awaitStatus(b.port(), MemberStatus.ONLINE, VERDICT);
    // the status is set a moment before the snapshot is rebuilt
    Await.until(VERDICT, () -> pool().snapshot().usableMember(memberAt(b.port()).id()) != null, "b usable again");

    double early = weightOf(pool().snapshot(), b.port());
    StringBuilder answers = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      answers.append(viaTcpListener(null));
    }
    long toB = answers.chars().filter(c -> c == 'b').count();
    assertTrue(early <= weight / 10.0, "weight right after recovery: " + early);
    assertTrue(toB <= 6, () -> "a recovering member gets a small share at first: " + answers + "; a "
        + memberAt(a.port()).health() + ", b " + memberAt(b.port()).health() + ", weights "
        + weightOf(pool().snapshot(), a.port()) + " " + weightOf(pool().snapshot(), b.port()));
    // the Runtime rebuilds once a second while a member ramps: 3 s into 30 s is about a tenth of the weight
    Await.until(Duration.ofSeconds(5), () -> weightOf(pool().snapshot(), b.port()) >= early + weight * 0.06,
        () -> "effective weight still " + weightOf(pool().snapshot(), b.port()));
    assertTrue(pool().snapshot().rampingUp());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 100})
  void aMemberBackFromAnEjectionRampsUpItsShareUnderSlowStart(int weight) {
    Backends.Member a = backends.tcpEcho("a");
    Backends.Member b = backends.tcpEcho("b");
    b.stop(); // down before the gateway starts: every connect to it is refused
    // no monitor: an ejected member returns when its back-off (1 s) ends
    start("TCP", ",\"slow_start\":{\"enable\":true,\"duration\":60},"
        + "\"outlier_detection\":{\"consecutive_failures\":2,\"base_ejection_time\":1}",
        "[" + member(a.port(), weight) + "," + member(b.port(), weight) + "]");
    Member back = memberAt(b.port());
    assertEquals(weight, weightOf(pool().snapshot(), b.port()), "members present at start take their full weight");
    for (int i = 0; i < 12 && !back.ejected(); i++) {
      assertEquals("a", greeting(), "a refused connect is retried on the other member");
    }
    Await.until(Duration.ofSeconds(2), back::ejected, "two connect failures eject b");
    b.start();
    // usable in the snapshot too: the flag is cleared a moment before the rebuild
    Await.until(Duration.ofSeconds(5), () -> !back.ejected() && pool().snapshot().usableMember(back.id()) != null,
        "b returns when its back-off ends");

    double early = weightOf(pool().snapshot(), b.port());
    int hitsBefore = b.hits.get();
    int toB = 0;
    for (int i = 0; i < 40; i++) {
      toB += greeting().equals("b") ? 1 : 0;
    }
    assertTrue(early <= weight / 10.0, "weight right after the ejection: " + early);
    assertTrue(toB <= 6, "a member back from an ejection gets a small share at first: " + toB + " of 40");
    assertEquals(toB, b.hits.get() - hitsBefore, "b's own count agrees");
    // the Runtime rebuilds once a second while a member ramps: over 60 s it grows by about 5 % in 3 s
    Await.until(Duration.ofSeconds(5), () -> weightOf(pool().snapshot(), b.port()) >= early + weight * 0.03,
        () -> "effective weight still " + weightOf(pool().snapshot(), b.port()));
    assertTrue(pool().snapshot().rampingUp());
  }

  /** A TCP pool of a live member "live" and a dead one (nothing listens), which it returns. */
  private Member startWithADeadMember(String poolExtra) {
    Backends.Member live = backends.tcpEcho("live");
    int dead = TestPorts.free();
    start("TCP", poolExtra, "[" + member(live.port(), 1) + "," + member(dead, 1) + "]");
    return memberAt(dead);
  }

  private void connectThroughLive() {
    try (TcpClient c = TcpClient.connect(port)) {
      assertEquals("live", c.readLine()); // a refused connect is retried on the other member
    }
  }

  /** The greeting of the member a new connection through the listener reaches. */
  private String greeting() {
    try (TcpClient c = TcpClient.connect(port)) {
      return c.readLine();
    }
  }

  static double weightOf(PoolSnapshot s, int memberPort) {
    for (int i = 0; i < s.usable().size(); i++) {
      if (s.usable().get(i).config().protocolPort() == memberPort) {
        return s.effectiveWeight(i);
      }
    }
    return 0;
  }
}
