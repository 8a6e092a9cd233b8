package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StickyCookieTest {

  private static final long NOW = 1_790_000_000_000L;
  private static final long LATER = NOW + 3_600_000L;
  private static final String MEMBER = "10.0.0.5:8080";

  private final StickyCookie cookies = new StickyCookie("test-key".getBytes(StandardCharsets.UTF_8));
  private final String issued = cookies.issue("web-pool", MEMBER, LATER);

  /** The cookie with part {@code index} (0 member, 1 expiry, 2 key id, 3 signature) replaced. */
  private String withPart(int index, String part) {
    String[] parts = issued.split("\\.");
    parts[index] = part;
    return String.join(".", parts);
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void roundTripNamesTheMemberUntilExpiry() {
    assertEquals(MEMBER, cookies.verify("web-pool", issued, NOW));
    assertEquals(MEMBER, cookies.verify("web-pool", issued, LATER - 1000));
    assertTrue(issued.matches("[A-Za-z0-9_-]+\\.[0-9a-z]+\\.[A-Za-z0-9_-]{4}\\.[A-Za-z0-9_-]{22}"), issued);
    String ipv6 = cookies.issue("web-pool", "[2001:db8::7]:443", LATER);
    assertEquals("[2001:db8::7]:443", cookies.verify("web-pool", ipv6, NOW));
  }

  @Test
  void expiredCookieIsRefused() {
    assertNull(cookies.verify("web-pool", issued, LATER));
    assertNull(cookies.verify("web-pool", issued, LATER + 1));
  }

  @Test
  void anotherPoolRefusesIt() {
    assertNull(cookies.verify("api-pool", issued, NOW));
    assertNull(cookies.verify("web-pool|" + b64(MEMBER), issued, NOW));
  }

  @Test
  void anotherKeyRefusesIt() {
    StickyCookie other = new StickyCookie("other-key".getBytes(StandardCharsets.UTF_8));
    assertNull(other.verify("web-pool", issued, NOW));
  }

  @Test
  void aCookieOfAKeyThatOnlyVerifiesStillVerifiesAndNewOnesAreSignedWithTheNewKey() {
    StickyCookie.Key old = StickyCookie.Key.of("test-key".getBytes(StandardCharsets.UTF_8));
    StickyCookie.Key next = StickyCookie.Key.of("next-key".getBytes(StandardCharsets.UTF_8));
    StickyCookie rotating = new StickyCookie(next, java.util.List.of(old));
    assertEquals(MEMBER, rotating.verify("web-pool", issued, NOW));
    String fresh = rotating.issue("web-pool", MEMBER, LATER);
    assertEquals(next.id(), fresh.split("\\.")[2]);
    assertNull(cookies.verify("web-pool", fresh, NOW), "the old key alone does not verify the new cookie");
    assertFalse(rotating.signedByCurrentKey(issued), "signed again when it comes back");
    assertTrue(rotating.signedByCurrentKey(fresh));
    rotating.rekey(next, java.util.List.of());
    assertNull(rotating.verify("web-pool", issued, NOW), "dropped: the old cookie no longer verifies");
    assertEquals(MEMBER, rotating.verify("web-pool", fresh, NOW));
  }

  @Test
  void anotherKeyIdIsRefused() {
    assertNull(cookies.verify("web-pool", withPart(2, "AAAA"), NOW));
  }

  @Test
  void tamperedMemberIsRefused() {
    assertNull(cookies.verify("web-pool", withPart(0, b64("10.0.0.6:8080")), NOW));
  }

  @Test
  void tamperedExpiryIsRefused() {
    String expiry = issued.split("\\.")[1];
    long later = Long.parseLong(expiry, 36) + 86_400;
    assertNull(cookies.verify("web-pool", withPart(1, Long.toString(later, 36)), NOW));
    assertNull(cookies.verify("web-pool", withPart(1, "0" + expiry), NOW), "non-canonical expiry");
    assertNull(cookies.verify("web-pool", withPart(1, expiry.toUpperCase()), NOW));
  }

  @Test
  void everyAlteredSignatureCharacterIsRefused() {
    String signature = issued.split("\\.")[3];
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < signature.length(); i++) {
      for (char c : alphabet.toCharArray()) {
        if (c != signature.charAt(i)) {
          String forged = signature.substring(0, i) + c + signature.substring(i + 1);
          assertNull(cookies.verify("web-pool", withPart(3, forged), NOW), forged);
        }
      }
    }
  }

  @Test
  void memberOfAnotherIssuedCookieCannotBeSpliced() {
    String other = cookies.issue("web-pool", "10.0.0.6:8080", LATER);
    assertNotEquals(issued, other);
    assertNull(cookies.verify("web-pool", withPart(0, other.split("\\.")[0]), NOW));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "...", "a.b", "a.b.c", "a..c", ".b.c", "a.b.c.d", "!!!.zz.???",
      "MTAuMC4wLjU6ODA4MA.zzzzzzzzzzzzzz.AAAAAAAAAAAAAAAAAAAAAA", "=.1.AAAAAAAAAAAAAAAAAAAAAA",
      "MTAuMC4wLjU6ODA4MA.-1.AAAAAAAAAAAAAAAAAAAAAA", "MTAuMC4wLjU6ODA4MA..AAAAAAAAAAAAAAAAAAAAAA",
      "é.1.AAAAAAAAAAAAAAAAAAAAAA"})
  void garbageIsNull(String garbage) {
    assertNull(cookies.verify("web-pool", garbage, NOW));
  }

  @Test
  void nullAndHugeValuesAreNull() {
    assertNull(cookies.verify("web-pool", null, NOW));
    assertNull(cookies.verify("web-pool", issued.split("\\.")[0].repeat(100_000) + issued, NOW));
    assertNull(cookies.verify("web-pool", ".".repeat(100_000), NOW));
  }

  @Property(tries = 2000)
  void randomStringsNeverVerifyNorThrow(@ForAll String value, @ForAll long now) {
    assertNull(cookies.verify("web-pool", value, now));
  }

  @Property(tries = 1000)
  void randomCookieShapedStringsNeverVerifyNorThrow(
      @ForAll String member, @ForAll String expiry, @ForAll String signature, @ForAll long now) {
    assertNull(cookies.verify("web-pool", b64(member) + "." + expiry + "." + signature, now));
    assertNull(cookies.verify("web-pool", issued.substring(0, issued.lastIndexOf('.') + 1) + signature, now));
  }

  @Property(tries = 300)
  void anyMemberRoundTrips(@ForAll @StringLength(max = 200) String member) {
    String value = cookies.issue("p", member, LATER);
    assertEquals(new String(member.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
        cookies.verify("p", value, NOW));
  }
}
