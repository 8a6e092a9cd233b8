package io.gatehouse.cluster;

import io.gatehouse.config.ClusterSecret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens the values nodes put in shared structures: AES-256-GCM under a key derived from
 * {@code cluster.secret} for each purpose, with the map name, the entry's key and the purpose as associated data,
 * so a sealed value neither reads nor verifies anywhere but where it was written. Layout:
 * {@code 1 | key id (3) | nonce (12) | ciphertext and tag (16)}. Secrets of {@code accept_secret_files} open but never
 * seal. Without a secret values travel as {@code 0 | plaintext}, and a node with a secret refuses those (and the
 * other way round). Map keys that would name a client are keyed hashes ({@link #clientKey}). Immutable; a reload
 * builds a new one.
 */
final class EntrySeal {

  private static final byte PLAIN = 0;
  private static final byte SEALED = 1;
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final int HEADER = 1 + ClusterSecret.ID_BYTES + NONCE;
  private static final int HASH_BYTES = 16;
  /**
   * The largest value opened: Gatehouse's are a few hundred bytes (a client key is at most a cookie value); a bigger
   * one is a stranger's, and decrypting megabytes for each would only cost time.
   */
  static final int MAX_VALUE_BYTES = 16 * 1024;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final ThreadLocal<Cipher> AES = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every JDK", e);
    }
  });

  /** The purposes values are sealed for; each has its own derived key. */
  enum Purpose { STICKY, HEALTH, CONFIG, PROBE, OVERRIDE }

  /** One secret's derived keys. */
  private record Keys(byte[] id, Map<Purpose, SecretKeySpec> seal, SecretKeySpec clientKey) {

    static Keys of(ClusterSecret s) {
      Map<Purpose, SecretKeySpec> seal = new HashMap<>();
      for (Purpose p : Purpose.values()) {
        seal.put(p, new SecretKeySpec(s.derive("gatehouse seal v1 " + p.name().toLowerCase()), "AES"));
      }
      return new Keys(s.id(), seal, new SecretKeySpec(s.derive("gatehouse client key v1"), "HmacSHA256"));
    }
  }

  private final Keys current;
  /** The current secret's keys first, then the accepted ones'. */
  private final List<Keys> opening;
  private final SecureRandom random = new SecureRandom();

  private EntrySeal(Keys current, List<Keys> opening) {
    this.current = current;
    this.opening = opening;
  }

  /** Sealing with {@code secret} (or plain when null), opening with it and every accepted secret. */
  static EntrySeal of(ClusterSecret secret, List<ClusterSecret> accepted) {
    if (secret == null) {
      return new EntrySeal(null, List.of());
    }
    List<Keys> opening = new ArrayList<>();
    opening.add(Keys.of(secret));
    accepted.stream().filter(a -> !a.equals(secret)).map(Keys::of).forEach(opening::add);
    return new EntrySeal(opening.get(0), List.copyOf(opening));
  }

  boolean sealing() {
    return current != null;
  }

  /** Whether {@code value} is sealed, but not under the current secret: a rotation left it behind. */
  boolean sealedByAnother(Object value) {
    return current != null && value instanceof byte[] b && b.length > HEADER && b[0] == SEALED
        && !Arrays.equals(b, 1, 1 + ClusterSecret.ID_BYTES, current.id(), 0, ClusterSecret.ID_BYTES);
  }

  /** {@code plaintext} sealed for the entry {@code key} of {@code map}. Called on the writer thread. */
  byte[] seal(Purpose purpose, String map, String key, byte[] plaintext) {
    if (current == null) {
      byte[] out = new byte[plaintext.length + 1];
      out[0] = PLAIN;
      System.arraycopy(plaintext, 0, out, 1, plaintext.length);
      return out;
    }
    byte[] nonce = new byte[NONCE];
    synchronized (random) {
      random.nextBytes(nonce);
    }
    try {
      Cipher c = AES.get();
      c.init(Cipher.ENCRYPT_MODE, current.seal().get(purpose), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(associated(purpose, map, key));
      byte[] sealed = c.doFinal(plaintext);
      return ByteBuffer.allocate(HEADER + sealed.length).put(SEALED).put(current.id()).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM with a 256-bit key is part of every JDK", e);
    }
  }

  /**
   * The plaintext of a value read from {@code map} at {@code key}, or null when it does not open here: not a byte
   * array, unsealed while this node seals (or the reverse), sealed by a secret this node does not hold, altered,
   * or copied from another key, map or purpose. Never throws.
   */
  byte[] open(Purpose purpose, String map, String key, Object value) {
    if (!(value instanceof byte[] b) || b.length == 0 || b.length > MAX_VALUE_BYTES) {
      return null;
    }
    if (current == null) {
      return b[0] == PLAIN ? Arrays.copyOfRange(b, 1, b.length) : null;
    }
    if (b[0] != SEALED || b.length < HEADER + TAG_BITS / 8) {
      return null;
    }
    byte[] id = Arrays.copyOfRange(b, 1, 1 + ClusterSecret.ID_BYTES);
    for (Keys k : opening) {
      if (Arrays.equals(k.id(), id)) {
        byte[] opened = open(k.seal().get(purpose), associated(purpose, map, key), b);
        if (opened != null) {
          return opened;
        }
      }
    }
    return null;
  }

  private static byte[] open(SecretKeySpec key, byte[] aad, byte[] b) {
    try {
      Cipher c = AES.get();
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, b, 1 + ClusterSecret.ID_BYTES, NONCE));
      c.updateAAD(aad);
      return c.doFinal(b, HEADER, b.length - HEADER);
    } catch (GeneralSecurityException e) {
      return null; // a wrong tag: altered, copied or sealed under another key
    }
  }

  /**
   * The map key standing for a client ({@code pool}'s sticky key: an address or an APP_COOKIE value): a keyed hash
   * under the current secret, the key itself without one.
   */
  String clientKey(String pool, String key) {
    return current == null ? key : clientKey(current, pool, key);
  }

  /** The map keys a client's entry may have under every secret held here (a removal clears them all). */
  List<String> clientKeys(String pool, String key) {
    if (current == null) {
      return List.of(key);
    }
    return opening.stream().map(k -> clientKey(k, pool, key)).distinct().toList();
  }

  /** Whether {@code mapKey} is what some held secret makes of {@code key}: the entry names the client it claims. */
  boolean matchesClientKey(String pool, String key, String mapKey) {
    return clientKeys(pool, key).contains(mapKey);
  }

  private static String clientKey(Keys k, String pool, String key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(k.clientKey());
      mac.update(pool.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return B64.encodeToString(Arrays.copyOf(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)), HASH_BYTES));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static byte[] associated(Purpose purpose, String map, String key) {
    return ("gatehouse\0" + map + '\0' + key + '\0' + purpose.name()).getBytes(StandardCharsets.UTF_8);
  }
}
