package io.gatehouse.http;

import io.gatehouse.config.SessionPersistence;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pick;
import io.gatehouse.pool.PickReason;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolSnapshot;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.List;

/**
 * Which member of a pool takes a request, and why: the one place that reads session persistence for HTTP (the
 * gateway's signed cookie, a learned application cookie, the client address) before the balancer. The request
 * path calls {@link #choose}, which records (sticky entries refreshed or written, the round-robin position
 * advanced); the route API ({@code GET /api/v1/route}) calls {@link #preview}, which takes the same steps through
 * the pool's side-effect-free peeks, so the two cannot drift. {@link #remember} is the half that follows the
 * member's answer.
 *
 * @param member the member, null when none is usable
 * @param reason why that member ({@link PickReason#NO_USABLE_MEMBER} when none)
 * @param sticky what persistence made of the request, as the access log spells it: {@code hit}, {@code new},
 *     {@code replaced} (HTTP_COOKIE: the cookie named a member that cannot take it), {@code none} or {@code miss}
 *     (APP_COOKIE: no cookie, or one not learned), {@code -} without persistence
 * @param cookieMemberId HTTP_COOKIE: the member the client's valid cookie names (usable or not), else null
 */
public record MemberChoice(Member member, PickReason reason, String sticky, String cookieMemberId) {

  /** The gateway's own cookie under HTTP_COOKIE persistence: an opaque, signed value naming the member. */
  public static final String STICKY_COOKIE = "GATEHOUSE_STICKY";
  /** Learned APP_COOKIE values are sticky-table keys under this prefix (client addresses are the others). */
  public static final String APP_KEY_PREFIX = "app:";

  private static final MemberChoice NONE = new MemberChoice(null, PickReason.NO_USABLE_MEMBER, "-", null);

  /** The sticky-table key of a learned application cookie value. */
  public static String appKey(String cookieValue) {
    return APP_KEY_PREFIX + cookieValue;
  }

  /**
   * Chooses a member for a request and records it: sticky entries are refreshed or written, the balancer moves on.
   *
   * @param headers the request headers (its cookies), or null for an L4 connection: then the client address only
   */
  public static MemberChoice choose(Pool pool, StickyCookie signer, MultiMap headers, String clientIp,
      long clientHash) {
    return of(pool, signer, headers, clientIp, clientHash, false);
  }

  /** Where {@link #choose} would send the request now, changing nothing. */
  public static MemberChoice preview(Pool pool, StickyCookie signer, MultiMap headers, String clientIp,
      long clientHash) {
    return of(pool, signer, headers, clientIp, clientHash, true);
  }

  public boolean found() {
    return member != null;
  }

  /**
   * Whether the client has a session with a usable member of {@code pool} (its source address, its valid gateway
   * cookie or its learned application cookie), read without recording anything: in a split between pools, such a
   * client keeps this pool and {@link #choose} then finds the member.
   */
  static boolean hasSession(Pool pool, StickyCookie signer, MultiMap headers, String ip, long nowMillis) {
    PoolSnapshot s = pool.snapshot();
    SessionPersistence p = s.config().sessionPersistence();
    if (p == null || s.usable().isEmpty() || (headers == null && p.type() != SessionPersistence.Type.SOURCE_IP)) {
      return false;
    }
    return switch (p.type()) {
      case SOURCE_IP -> pool.peekSticky(s, ip) != null;
      case HTTP_COOKIE -> {
        String value = Cookies.find(headers.getAll(HttpHeaders.COOKIE), STICKY_COOKIE);
        String id = value == null ? null : signer.verify(pool.name(), value, nowMillis);
        yield id != null && s.usableMember(id) != null;
      }
      case APP_COOKIE -> {
        String value = Cookies.find(headers.getAll(HttpHeaders.COOKIE), p.cookieName());
        yield value != null && pool.peekSticky(s, appKey(value)) != null;
      }
    };
  }

  private static MemberChoice of(Pool pool, StickyCookie signer, MultiMap headers, String ip, long hash,
      boolean preview) {
    PoolSnapshot s = pool.snapshot();
    if (s.usable().isEmpty()) {
      return NONE;
    }
    SessionPersistence p = s.config().sessionPersistence();
    if (p == null || p.type() == SessionPersistence.Type.SOURCE_IP || headers == null) {
      Pick pick = preview ? pool.peek(ip, hash) : pool.pick(ip, hash);
      String sticky = p == null ? "-" : pick.reason() == PickReason.STICKY ? "hit" : "new";
      return new MemberChoice(pick.member(), pick.reason(), sticky, null);
    }
    List<String> cookies = headers.getAll(HttpHeaders.COOKIE);
    if (p.type() == SessionPersistence.Type.HTTP_COOKIE) {
      String value = Cookies.find(cookies, STICKY_COOKIE);
      String id = value == null ? null : signer.verify(pool.name(), value, System.currentTimeMillis());
      Member m = id == null ? null : s.usableMember(id);
      if (m != null) {
        // no cookie member id when an older key signed it: the answer sets a cookie of the current key, same member
        return new MemberChoice(m, PickReason.COOKIE, "hit", signer.signedByCurrentKey(value) ? id : null);
      }
      return fresh(pool, s, hash, preview, value == null ? "new" : "replaced", id);
    }
    String value = Cookies.find(cookies, p.cookieName());
    Member m = value == null ? null
        : preview ? pool.peekSticky(s, appKey(value)) : pool.stickyMember(s, appKey(value), p);
    if (m != null) {
      return new MemberChoice(m, PickReason.STICKY, "hit", null);
    }
    return fresh(pool, s, hash, preview, value == null ? "none" : "miss", null);
  }

  private static MemberChoice fresh(Pool pool, PoolSnapshot s, long hash, boolean preview, String sticky,
      String cookieMemberId) {
    Pick pick = preview ? pool.peekFresh(s, hash) : pool.fresh(s, hash);
    return new MemberChoice(pick.member(), pick.reason(), sticky, cookieMemberId);
  }

  /**
   * The persistence half that follows the member's response head: under HTTP_COOKIE the gateway's cookie is set
   * unless the client's already names the member that answered; under APP_COOKIE the application cookie the
   * member sets is learned for it. Returns the access log's sticky label from here on: {@code replaced} when the
   * cookie's member failed and another answered, {@code learned} when a cookie was learned, else {@code sticky}.
   *
   * @param secure whether the client came over HTTPS (the cookie gets the Secure attribute)
   */
  static String remember(Pool pool, StickyCookie signer, boolean secure, Member answered, String cookieMemberId,
      String sticky, io.netty.handler.codec.http.HttpHeaders memberResponse, MultiMap clientResponse) {
    SessionPersistence p = pool.config().sessionPersistence();
    if (p == null) {
      return sticky;
    }
    if (p.type() == SessionPersistence.Type.HTTP_COOKIE && !answered.id().equals(cookieMemberId)) {
      long ttl = p.timeout().toMillis();
      String value = signer.issue(pool.name(), answered.id(), System.currentTimeMillis() + ttl);
      clientResponse.add(HttpHeaders.SET_COOKIE, STICKY_COOKIE + "=" + value + "; Path=/; Max-Age=" + ttl / 1000
          + "; HttpOnly" + (secure ? "; Secure" : ""));
      // the cookie's member failed and another took the request (else: a cookie of an older key, signed again)
      return "hit".equals(sticky) && cookieMemberId != null ? "replaced" : sticky;
    }
    if (p.type() == SessionPersistence.Type.APP_COOKIE) {
      List<String> setCookies = memberResponse.getAll(HttpHeaders.SET_COOKIE);
      for (int i = 0; i < setCookies.size(); i++) {
        String value = Cookies.setCookieValue(setCookies.get(i), p.cookieName());
        if (value != null && !value.isEmpty()) {
          pool.sticky().record(appKey(value), answered.id(), p.timeout());
          sticky = "learned";
        }
      }
    }
    return sticky;
  }
}
