package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.OutlierDetection;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.config.SessionPersistence;
import io.gatehouse.pool.PickReason;
import io.gatehouse.pool.Pool;
import io.gatehouse.session.StickyTable;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one member choice: what the request path records and what the route API previews are the same steps, the
 * preview changing nothing, and the sticky labels are the ones the access log has always written.
 */
class MemberChoiceTest {

  private static final String IP = "10.0.0.7";
  private static final long HASH = 12345;
  private final StickyCookie signer = new StickyCookie("test-key-test-key-test-key-32b!!".getBytes());

  private static Pool pool(SessionPersistence persistence, boolean... up) {
    List<MemberConfig> members = new java.util.ArrayList<>();
    for (int i = 0; i < up.length; i++) {
      members.add(new MemberConfig("127.0.0.1", 9000 + i, 1, up[i]));
    }
    PoolConfig config = new PoolConfig("p", PoolProtocol.HTTP, PoolConfig.LbAlgorithm.ROUND_ROBIN, persistence,
        null, null, OutlierDetection.DEFAULT, members);
    return new Pool(config, StickyTable.local(1000),
        mc -> SocketAddress.inetSocketAddress(mc.protocolPort(), mc.address()));
  }

  private static MultiMap cookie(String header) {
    MultiMap h = HttpHeaders.headers();
    if (header != null) {
      h.add(HttpHeaders.COOKIE, header);
    }
    return h;
  }

  private MemberChoice preview(Pool pool, MultiMap headers) {
    return MemberChoice.preview(pool, signer, headers, IP, HASH);
  }

  private MemberChoice choose(Pool pool, MultiMap headers) {
    return MemberChoice.choose(pool, signer, headers, IP, HASH);
  }

  @Test
  void withoutPersistenceThePreviewForeseesEachRoundRobinPickAndAdvancesNothing() {
    Pool pool = pool(null, true, true, true);
    for (int i = 0; i < 6; i++) {
      MemberChoice seen = preview(pool, cookie(null));
      assertEquals(seen, preview(pool, cookie(null)), "a second preview sees the same: the first moved nothing");
      MemberChoice real = choose(pool, cookie(null));
      assertEquals(seen.member(), real.member(), "request " + i);
      assertEquals(PickReason.ROUND_ROBIN, real.reason());
      assertEquals("-", real.sticky());
      assertNull(real.cookieMemberId());
    }
  }

  @Test
  void sourceIpIsNewThenHitAndOnlyTheRealChoiceRecordsTheEntry() {
    Pool pool = pool(new SessionPersistence(SessionPersistence.Type.SOURCE_IP, null, Duration.ofMinutes(5)),
        true, true);
    MemberChoice seen = preview(pool, cookie(null));
    assertEquals("new", seen.sticky());
    assertNull(pool.sticky().lookup(IP), "the preview recorded no entry");
    MemberChoice first = choose(pool, cookie(null));
    assertEquals(seen.member(), first.member());
    assertEquals("new", first.sticky());
    assertEquals(first.member().id(), pool.sticky().lookup(IP));
    for (int i = 0; i < 3; i++) {
      MemberChoice again = choose(pool, cookie(null));
      assertEquals(first.member(), again.member());
      assertEquals(PickReason.STICKY, again.reason());
      assertEquals("hit", again.sticky());
      assertEquals(again, preview(pool, cookie(null)));
    }
    // an L4 connection (no headers) goes by the address as well
    assertEquals(first.member(), MemberChoice.preview(pool, signer, null, IP, HASH).member());
  }

  @Test
  void theSignedCookieIsNewHitOrReplaced() {
    Pool pool = pool(new SessionPersistence(SessionPersistence.Type.HTTP_COOKIE, null, Duration.ofMinutes(5)),
        true, true, false);
    String b = "127.0.0.1:9001";
    String down = "127.0.0.1:9002";
    long later = System.currentTimeMillis() + 60_000;

    MemberChoice none = choose(pool, cookie(null));
    assertEquals("new", none.sticky());
    assertNull(none.cookieMemberId());

    String toB = MemberChoice.STICKY_COOKIE + "=" + signer.issue("p", b, later);
    for (MemberChoice c : List.of(preview(pool, cookie(toB)), choose(pool, cookie("x=1; " + toB)))) {
      assertEquals(b, c.member().id());
      assertEquals(PickReason.COOKIE, c.reason());
      assertEquals("hit", c.sticky());
      assertEquals(b, c.cookieMemberId());
    }

    MemberChoice toDown = choose(pool, cookie(MemberChoice.STICKY_COOKIE + "=" + signer.issue("p", down, later)));
    assertEquals("replaced", toDown.sticky(), "the cookie's member is admin down");
    assertEquals(down, toDown.cookieMemberId());
    assertNotEquals(down, toDown.member().id());
    assertEquals(PickReason.ROUND_ROBIN, toDown.reason());

    MemberChoice forged = preview(pool, cookie(MemberChoice.STICKY_COOKIE + "=x" + signer.issue("p", b, later)));
    assertEquals("replaced", forged.sticky(), "a tampered cookie names nobody");
    assertNull(forged.cookieMemberId());
    assertEquals(PickReason.ROUND_ROBIN, forged.reason());
  }

  @Test
  void anApplicationCookieIsNoneMissThenHitOnceLearned() {
    SessionPersistence app = new SessionPersistence(SessionPersistence.Type.APP_COOKIE, "SESSION",
        Duration.ofMinutes(5));
    Pool pool = pool(app, true, true);
    assertEquals("none", choose(pool, cookie(null)).sticky());
    assertEquals("miss", preview(pool, cookie("SESSION=s1")).sticky());
    MemberChoice miss = choose(pool, cookie("SESSION=s1"));
    assertEquals("miss", miss.sticky());

    DefaultHttpHeaders memberResponse = new DefaultHttpHeaders();
    memberResponse.add(HttpHeaders.SET_COOKIE, "SESSION=s1; Path=/");
    String label = MemberChoice.remember(pool, signer, false, miss.member(), null, miss.sticky(), memberResponse,
        HttpHeaders.headers());
    assertEquals("learned", label);
    assertEquals(miss.member().id(), pool.sticky().lookup(MemberChoice.appKey("s1")));
    assertEquals("app:s1", MemberChoice.appKey("s1"), "the key the cluster's shared tables already hold");

    for (MemberChoice c : List.of(preview(pool, cookie("SESSION=s1")), choose(pool, cookie("SESSION=s1")))) {
      assertEquals(miss.member(), c.member());
      assertEquals(PickReason.STICKY, c.reason());
      assertEquals("hit", c.sticky());
    }
  }

  @Test
  void aStaleEntryIsForgottenByTheRealChoiceOnlyAndNoUsableMemberIsNone() {
    SessionPersistence app = new SessionPersistence(SessionPersistence.Type.APP_COOKIE, "SESSION",
        Duration.ofMinutes(5));
    Pool pool = pool(app, true, false);
    pool.sticky().record(MemberChoice.appKey("s2"), "127.0.0.1:9001", Duration.ofMinutes(5)); // admin down
    MemberChoice seen = preview(pool, cookie("SESSION=s2"));
    assertEquals("miss", seen.sticky());
    assertNotNull(pool.sticky().lookup(MemberChoice.appKey("s2")), "the preview left the entry alone");
    assertEquals(seen, choose(pool, cookie("SESSION=s2")));
    assertNull(pool.sticky().lookup(MemberChoice.appKey("s2")), "the real choice forgot the stale entry");

    Pool down = pool(app, false, false);
    for (MemberChoice c : List.of(preview(down, cookie("SESSION=s2")), choose(down, cookie("SESSION=s2")))) {
      assertFalse(c.found());
      assertEquals(PickReason.NO_USABLE_MEMBER, c.reason());
      assertEquals("-", c.sticky());
    }
  }

  @Test
  void afterTheAnswerTheGatewayCookieIsSetUnlessTheClientsNamesTheMemberThatAnswered() {
    Pool pool = pool(new SessionPersistence(SessionPersistence.Type.HTTP_COOKIE, null, Duration.ofSeconds(600)),
        true, true);
    MemberChoice hit = choose(pool, cookie(MemberChoice.STICKY_COOKIE + "="
        + signer.issue("p", "127.0.0.1:9000", System.currentTimeMillis() + 60_000)));
    MultiMap clientResponse = HttpHeaders.headers();
    assertEquals("hit", MemberChoice.remember(pool, signer, true, hit.member(), hit.cookieMemberId(), "hit",
        new DefaultHttpHeaders(), clientResponse));
    assertNull(clientResponse.get(HttpHeaders.SET_COOKIE), "the client's cookie names it already");

    // the cookie's member failed and the retry went to the other one
    String label = MemberChoice.remember(pool, signer, true, pool.member("127.0.0.1:9001"), hit.cookieMemberId(),
        "hit", new DefaultHttpHeaders(), clientResponse);
    assertEquals("replaced", label);
    String set = clientResponse.get(HttpHeaders.SET_COOKIE);
    assertTrue(set.startsWith(MemberChoice.STICKY_COOKIE + "=") && set.endsWith("; Path=/; Max-Age=600; HttpOnly; Secure"),
        set);
    String value = set.substring(set.indexOf('=') + 1, set.indexOf(';'));
    assertEquals("127.0.0.1:9001", signer.verify("p", value, System.currentTimeMillis()));
  }
}
