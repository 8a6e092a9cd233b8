package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.OutlierDetection;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.config.PoolWeight;
import io.gatehouse.config.SessionPersistence;
import io.gatehouse.config.SplitSticky;
import io.gatehouse.pool.Pool;
import io.gatehouse.session.StickyTable;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The split between pools in process: the exact order of the smooth weighted round robin, sessions and the signed
 * pool cookie before it, the preview changing nothing.
 */
class PoolSplitTest {

  private static final String IP = "10.0.0.7";
  private static final SplitSticky STICKY = new SplitSticky(true, Duration.ofSeconds(60));
  private final StickyCookie signer = new StickyCookie("test-key-test-key-test-key-32b!!".getBytes());
  private final Map<String, Pool> pools = new HashMap<>();

  private Pool pool(String name, SessionPersistence persistence, boolean up) {
    PoolConfig config = new PoolConfig(name, PoolProtocol.HTTP, PoolConfig.LbAlgorithm.ROUND_ROBIN, persistence,
        null, null, OutlierDetection.DEFAULT, List.of(new MemberConfig("127.0.0.1", 9000 + pools.size(), 1, up)));
    Pool p = new Pool(config, StickyTable.local(1000),
        mc -> SocketAddress.inetSocketAddress(mc.protocolPort(), mc.address()));
    pools.put(name, p);
    return p;
  }

  private static PoolSplit split(SplitSticky sticky, Object... poolsAndWeights) {
    List<PoolWeight> entries = new ArrayList<>();
    for (int i = 0; i < poolsAndWeights.length; i += 2) {
      entries.add(new PoolWeight((String) poolsAndWeights[i], (Integer) poolsAndWeights[i + 1]));
    }
    return PoolSplit.of(entries, sticky);
  }

  private static MultiMap cookie(String header) {
    MultiMap h = HttpHeaders.headers();
    if (header != null) {
      h.add(HttpHeaders.COOKIE, header);
    }
    return h;
  }

  private PoolSplit.Choice choose(PoolSplit split, MultiMap headers) {
    return split.choose(pools::get, signer, headers, IP, false);
  }

  private List<String> sequence(PoolSplit split, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      PoolSplit.Choice c = choose(split, cookie(null));
      assertEquals(PoolReason.WEIGHTED, c.reason());
      assertNull(c.setCookie(), "no cookie without split_sticky");
      out.add(c.pool());
    }
    return out;
  }

  @Test
  void threeToOneIsTheSmoothOrderFromTheHeadOfTheCycle() {
    pool("v1", null, true);
    pool("v2", null, true);
    PoolSplit split = split(SplitSticky.OFF, "v1", 3, "v2", 1);
    assertEquals(List.of("v1", "v1", "v2", "v1", "v1", "v1", "v2", "v1", "v1", "v1", "v2", "v1"),
        sequence(split, 12));
  }

  @Test
  void ninetyFiveToFiveSendsTheTwentiethInTheMiddleOfEachCycle() {
    pool("v1", null, true);
    pool("v2", null, true);
    PoolSplit split = split(SplitSticky.OFF, "v1", 95, "v2", 5);
    List<String> cycle = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      cycle.add(i == 10 ? "v2" : "v1"); // 95:5 is 19:1: ten v1, the canary, nine v1
    }
    List<String> twoCycles = new ArrayList<>(cycle);
    twoCycles.addAll(cycle);
    assertEquals(twoCycles, sequence(split, 40));
    List<String> thousand = sequence(split, 1000);
    assertEquals(50, thousand.stream().filter("v2"::equals).count(), "exactly 5 % of whole cycles");
  }

  @Test
  void aSecondSplitOfTheSameWeightsGivesTheSameOrder() {
    pool("v1", null, true);
    pool("v2", null, true);
    pool("v3", null, true);
    assertEquals(sequence(split(SplitSticky.OFF, "v1", 5, "v2", 3, "v3", 2), 30),
        sequence(split(SplitSticky.OFF, "v1", 5, "v2", 3, "v3", 2), 30), "deterministic, on every node and reload");
  }

  @Test
  void thePreviewForeseesEachChoiceAndMovesNothing() {
    pool("v1", null, true);
    pool("v2", null, true);
    PoolSplit split = split(SplitSticky.OFF, "v1", 2, "v2", 1);
    for (int i = 0; i < 9; i++) {
      PoolSplit.Choice seen = split.preview(pools::get, signer, cookie(null), IP);
      assertEquals(seen, split.preview(pools::get, signer, cookie(null), IP));
      assertEquals(seen.pool(), choose(split, cookie(null)).pool(), "request " + i);
    }
  }

  @Test
  void aWeightOfZeroTakesNoNewClientButKeepsItsCookieClients() {
    pool("blue", null, true);
    pool("green", null, true);
    PoolSplit before = split(STICKY, "blue", 0, "green", 1);
    PoolSplit.Choice first = choose(before, cookie(null));
    assertEquals("green", first.pool());
    PoolSplit old = split(STICKY, "blue", 1, "green", 0);
    PoolSplit.Choice onBlue = choose(old, cookie(null));
    assertEquals("blue", onBlue.pool());
    String blueCookie = onBlue.setCookie().substring(0, onBlue.setCookie().indexOf(';'));
    for (int i = 0; i < 5; i++) {
      assertEquals("green", choose(before, cookie(null)).pool(), "new clients never get the weight-0 pool");
      PoolSplit.Choice kept = choose(before, cookie(blueCookie));
      assertEquals("blue", kept.pool());
      assertEquals(PoolReason.SPLIT_STICKY, kept.reason());
      assertNull(kept.setCookie(), "an honoured cookie is not set again");
    }
  }

  @Test
  void theSignedCookieKeepsThePoolAndAForgedOneIsReplaced() {
    pool("v1", null, true);
    pool("v2", null, true);
    PoolSplit split = split(STICKY, "v1", 1, "v2", 1);
    PoolSplit.Choice first = choose(split, cookie(null));
    assertEquals("v1", first.pool());
    assertTrue(first.setCookie().startsWith("GATEHOUSE_POOL="), first.setCookie());
    assertTrue(first.setCookie().contains("; Path=/; Max-Age=60; HttpOnly"), first.setCookie());
    String value = first.setCookie().substring("GATEHOUSE_POOL=".length(), first.setCookie().indexOf(';'));
    for (int i = 0; i < 4; i++) {
      assertEquals("v1", choose(split, cookie("a=b; GATEHOUSE_POOL=" + value)).pool(), "kept, not alternated");
    }
    // the same value naming v2 with the signature left as it was, and a cookie for a member in its place
    String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("v2".getBytes())
        + value.substring(value.indexOf('.'));
    PoolSplit.Choice refused = choose(split, cookie("GATEHOUSE_POOL=" + forged));
    assertEquals(PoolReason.WEIGHTED, refused.reason());
    assertNotNull(refused.setCookie(), "a forged cookie is replaced");
    String memberCookie = signer.issue("v2", "v2", System.currentTimeMillis() + 60_000);
    assertEquals(PoolReason.WEIGHTED, choose(split, cookie("GATEHOUSE_POOL=" + memberCookie)).reason(),
        "a value signed for another purpose does not name a pool");
    assertTrue(split.choose(pools::get, signer, cookie(null), IP, true).setCookie().contains("; Secure"),
        "Secure over HTTPS");
  }

  @Test
  void aCookieNamingAPoolOutOfTheSplitOrWithoutUsableMemberIsSplitAgain() {
    pool("v1", null, true);
    pool("v2", null, true);
    pool("gone", null, false);
    String toGone = signer.issue(PoolSplit.SCOPE, "gone", System.currentTimeMillis() + 60_000);
    String toV3 = signer.issue(PoolSplit.SCOPE, "v3", System.currentTimeMillis() + 60_000);
    PoolSplit split = split(STICKY, "v1", 1, "v2", 1, "gone", 1);
    assertEquals(PoolReason.WEIGHTED, choose(split, cookie("GATEHOUSE_POOL=" + toGone)).reason());
    assertEquals(PoolReason.WEIGHTED, choose(split, cookie("GATEHOUSE_POOL=" + toV3)).reason());
    for (int i = 0; i < 6; i++) {
      assertTrue(!choose(split, cookie(null)).pool().equals("gone"), "a pool without usable member is passed over");
    }
  }

  @Test
  void aSessionWithAMemberKeepsItsPoolBeforeAnyCookieOrWeight() {
    SessionPersistence byIp = new SessionPersistence(SessionPersistence.Type.SOURCE_IP, null, Duration.ofMinutes(5));
    Pool v1 = pool("v1", byIp, true);
    Pool v2 = pool("v2", byIp, true);
    PoolSplit split = split(STICKY, "v1", 1, "v2", 1);
    PoolSplit.Choice first = choose(split, cookie(null));
    assertEquals(PoolReason.WEIGHTED, first.reason());
    Pool chosen = first.pool().equals("v1") ? v1 : v2;
    MemberChoice.choose(chosen, signer, cookie(null), IP, 1); // the request records the client's entry
    String otherPool = signer.issue(PoolSplit.SCOPE, chosen == v1 ? "v2" : "v1", System.currentTimeMillis() + 60_000);
    for (int i = 0; i < 4; i++) {
      PoolSplit.Choice again = choose(split, cookie("GATEHOUSE_POOL=" + otherPool));
      assertEquals(first.pool(), again.pool());
      assertEquals(PoolReason.STICKY, again.reason());
    }
  }
}
