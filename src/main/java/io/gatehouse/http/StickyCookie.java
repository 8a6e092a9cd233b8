package io.gatehouse.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HTTP_COOKIE persistence value, stateless so any node can honour it:
 * {@code base64url(memberId) "." base36(expiry epoch seconds) "." key id "." base64url(HMAC-SHA256 truncated to 16
 * bytes)}. The MAC covers {@code pool "|" base64url(memberId) "|" expiry "|" key id} as they appear in the cookie:
 * none of them can hold '|', so the input is unambiguous, and a cookie for one pool never verifies for another.
 * The key id names which key signed it: one key signs, older ones (a rotation) still verify, see {@link #rekey}. A client cannot forge or alter a cookie to steer itself onto a member of its choice.
 * {@link #verify} never throws: garbage reads as "no cookie".
 */
public final class StickyCookie {

  private static final String ALGORITHM = "HmacSHA256";
  private static final int SIGNATURE_BYTES = 16;
  private static final int SIGNATURE_CHARS = 22; // base64url of SIGNATURE_BYTES without padding
  private static final int MAX_EXPIRY_CHARS = 13; // base36 of Long.MAX_VALUE
  /** Browsers keep no longer cookie; longer values are refused before any work. */
  private static final int MAX_VALUE_CHARS = 4096;

  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  /** A key and its id (base64url, no dot), as the cookie names it. */
  public record Key(String id, byte[] secret) {

    /** A key named by a hash of itself. */
    public static Key of(byte[] secret) {
      try {
        byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(secret);
        return new Key(ENCODER.encodeToString(Arrays.copyOf(h, 3)), secret);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("SHA-256 is part of every JDK", e);
      }
    }
  }

  /** One key's MAC, per thread. */
  private record Signer(String id, ThreadLocal<Mac> mac) {

    static Signer of(Key key) {
      SecretKeySpec spec = new SecretKeySpec(Arrays.copyOf(key.secret(), key.secret().length), ALGORITHM);
      Signer s = new Signer(key.id(), ThreadLocal.withInitial(() -> {
        try {
          Mac m = Mac.getInstance(ALGORITHM);
          m.init(spec);
          return m;
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
      }));
      s.mac().get(); // fail at construction, not on a request, if the key is unusable
      return s;
    }
  }

  /** The signing key first, then those that only verify; swapped whole by {@link #rekey}. */
  private volatile List<Signer> keys;

  /** @param key signs and verifies, named by a hash of itself */
  public StickyCookie(byte[] key) {
    this(Key.of(key), List.of());
  }

  /** @param verifying keys whose cookies are still honoured, never used to sign (a rotation in progress) */
  public StickyCookie(Key signing, List<Key> verifying) {
    rekey(signing, verifying);
  }

  /** From now on {@code signing} signs; cookies of it or of {@code verifying} verify. Any thread. */
  public void rekey(Key signing, List<Key> verifying) {
    List<Signer> next = new ArrayList<>();
    next.add(Signer.of(signing));
    verifying.stream().filter(k -> !k.id().equals(signing.id())).map(Signer::of).forEach(next::add);
    keys = List.copyOf(next);
  }

  /** An opaque, signed cookie value naming {@code memberId} until {@code expiresAtMillis}. */
  public String issue(String poolName, String memberId, long expiresAtMillis) {
    String member = ENCODER.encodeToString(memberId.getBytes(StandardCharsets.UTF_8));
    String expiry = Long.toString(Math.max(0, Math.floorDiv(expiresAtMillis, 1000L)), 36);
    Signer k = keys.get(0);
    return member + '.' + expiry + '.' + k.id() + '.' + ENCODER.encodeToString(sign(k, poolName, member, expiry));
  }

  /** The member id a cookie value names, or null when it is malformed, tampered with, for another pool, or expired. */
  public String verify(String poolName, String cookieValue, long nowMillis) {
    if (cookieValue == null || cookieValue.length() > MAX_VALUE_CHARS) {
      return null;
    }
    int firstDot = cookieValue.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : cookieValue.indexOf('.', firstDot + 1);
    int thirdDot = secondDot < 0 ? -1 : cookieValue.indexOf('.', secondDot + 1);
    if (thirdDot < 0 || cookieValue.length() - thirdDot - 1 != SIGNATURE_CHARS) {
      return null;
    }
    String member = cookieValue.substring(0, firstDot);
    String expiry = cookieValue.substring(firstDot + 1, secondDot);
    Signer key = signer(cookieValue, secondDot + 1, thirdDot);
    if (key == null) {
      return null;
    }
    long expirySeconds = parseBase36(expiry);
    if (expirySeconds < 0) {
      return null;
    }
    // Compared as text: decoding first would accept the variants of the last character that differ only in
    // base64's unused low bits.
    byte[] given = cookieValue.substring(thirdDot + 1).getBytes(StandardCharsets.UTF_8);
    byte[] expected = ENCODER.encode(sign(key, poolName, member, expiry));
    if (!MessageDigest.isEqual(given, expected)) {
      return null;
    }
    if (nowMillis / 1000L >= expirySeconds) {
      return null;
    }
    byte[] memberId = decode(member);
    return memberId == null ? null : new String(memberId, StandardCharsets.UTF_8);
  }

  /**
   * Whether a cookie value names the key that signs now; one that verifies under a key that only verifies (a
   * rotation) is signed again, so that dropping that key later loses no session.
   */
  public boolean signedByCurrentKey(String cookieValue) {
    int firstDot = cookieValue.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : cookieValue.indexOf('.', firstDot + 1);
    int thirdDot = secondDot < 0 ? -1 : cookieValue.indexOf('.', secondDot + 1);
    return thirdDot > 0 && signer(cookieValue, secondDot + 1, thirdDot) == keys.get(0);
  }

  /** The key whose id is {@code value[from, to)}, or null when none held here has it. */
  private Signer signer(String value, int from, int to) {
    for (Signer k : keys) {
      if (k.id().length() == to - from && value.startsWith(k.id(), from)) {
        return k;
      }
    }
    return null;
  }

  private static byte[] sign(Signer key, String pool, String member, String expiry) {
    Mac m = key.mac().get();
    m.update(pool.getBytes(StandardCharsets.UTF_8));
    m.update((byte) '|');
    m.update(member.getBytes(StandardCharsets.UTF_8));
    m.update((byte) '|');
    m.update(expiry.getBytes(StandardCharsets.UTF_8));
    m.update((byte) '|');
    m.update(key.id().getBytes(StandardCharsets.UTF_8));
    return Arrays.copyOf(m.doFinal(), SIGNATURE_BYTES);
  }

  /** Canonical lower-case base36 only (what {@link #issue} writes), else -1. */
  private static long parseBase36(String s) {
    if (s.isEmpty() || s.length() > MAX_EXPIRY_CHARS || (s.length() > 1 && s.charAt(0) == '0')) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
      if (digit < 0 || value > (Long.MAX_VALUE - digit) / 36) {
        return -1;
      }
      value = value * 36 + digit;
    }
    return value;
  }

  private static byte[] decode(String base64url) {
    try {
      return DECODER.decode(base64url);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
