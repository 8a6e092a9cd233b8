package io.gatehouse.config;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code cluster.secret} or the contents of {@code cluster.secret_file}: only nodes holding the same bytes form a
 * cluster. Never printed: {@link #toString} is redacted, so configuration records can be logged as they are.
 */
public final class ClusterSecret {

  private final byte[] bytes;

  ClusterSecret(byte[] bytes) {
    this.bytes = bytes.clone();
  }

  /**
   * The Hazelcast cluster name nodes with this secret share: {@code base-<128 bits of HMAC-SHA256(secret, base)>}.
   * Hazelcast OS refuses a join whose cluster name differs; the secret itself never goes on the wire.
   */
  public String clusterName(String base) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(bytes, "HmacSHA256"));
      byte[] tag = mac.doFinal(("gatehouse cluster name v1\0" + base).getBytes(StandardCharsets.UTF_8));
      return base + "-" + HexFormat.of().formatHex(tag, 0, 16);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  int length() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClusterSecret other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "ClusterSecret[redacted]";
  }
}
