package io.gatehouse.config;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF with HMAC-SHA256 (RFC 5869), one output block: a key of up to 32 bytes per purpose from one secret. */
final class Hkdf {

  private static final String HMAC = "HmacSHA256";
  private static final byte[] SALT = "gatehouse hkdf salt v1".getBytes(StandardCharsets.UTF_8);

  private Hkdf() {
  }

  static byte[] derive(byte[] secret, String purpose, int length) {
    if (length > 32) {
      throw new IllegalArgumentException("one HMAC-SHA256 block: at most 32 bytes");
    }
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(SALT, HMAC));
      byte[] prk = mac.doFinal(secret);
      mac.init(new SecretKeySpec(prk, HMAC));
      mac.update(purpose.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 1);
      return java.util.Arrays.copyOf(mac.doFinal(), length);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
