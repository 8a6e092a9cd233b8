package io.gatehouse.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Secret bytes: {@code cluster.secret}, the contents of {@code cluster.secret_file}, of a file of
 * {@code cluster.accept_secret_files} or of {@code session_key_file}. Keys are derived from it per purpose; the bytes
 * themselves never leave this class. Never printed: {@link #toString} is redacted, so configuration records can be logged as they are.
 */
public final class ClusterSecret {

  /** Length of {@link #id}. */
  public static final int ID_BYTES = 3;

  private final byte[] bytes;

  ClusterSecret(byte[] bytes) {
    this.bytes = bytes.clone();
  }

  /** A key for one purpose (HKDF-SHA256 of the secret with the purpose as info): 32 bytes, unrelated across purposes. */
  public byte[] derive(String purpose) {
    return Hkdf.derive(bytes, purpose, 32);
  }

  /**
   * A short public name of this secret (3 bytes of its own derivation): sealed entries and cookies carry it, so that
   * a node holding several secrets during a rotation knows which one opens them, without revealing any key.
   */
  public byte[] id() {
    return Hkdf.derive(bytes, "gatehouse key id v1", ID_BYTES);
  }

  /** Secret bytes made up here (a standalone node's per-process cookie key). */
  public static ClusterSecret random() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return new ClusterSecret(b);
  }

  /** Secret bytes that are no secret (a cluster without cluster.secret): derived from a public name. */
  public static ClusterSecret publicName(String name) {
    return new ClusterSecret(("gatehouse public " + name).getBytes(StandardCharsets.UTF_8));
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
