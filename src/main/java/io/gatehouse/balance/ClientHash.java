package io.gatehouse.balance;

/**
 * Stable 64-bit hashes: the same value on every JVM, node and restart (fixed seeds, no {@code hashCode()}), so
 * that SOURCE_IP hashing agrees across a cluster and survives restarts. A murmur3-style mix over 8-byte words.
 */
public final class ClientHash {

  private static final long CLIENT_SEED = 0x6761746568736521L;
  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;

  private ClientHash() {}

  /**
   * A stable hash of a raw client address (4 or 16 bytes). An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d})
   * hashes like its IPv4 address, so a dual-stack socket and an IPv4 socket agree on a client.
   */
  public static long of(byte[] address) {
    return isIpv4Mapped(address)
        ? hash(address, 12, 4, CLIENT_SEED)
        : hash(address, 0, address.length, CLIENT_SEED);
  }

  /**
   * A stable hash of {@code bytes} under {@code seed}; different seeds give independent hashes. The one hash of
   * the project: client addresses here, Maglev member ids, rendezvous scores in the cluster.
   */
  public static long hash(byte[] bytes, long seed) {
    return hash(bytes, 0, bytes.length, seed);
  }

  private static long hash(byte[] bytes, int from, int length, long seed) {
    long h = seed;
    int i = from;
    int end = from + length;
    while (i < end) {
      long k = 0;
      int n = Math.min(8, end - i);
      for (int j = 0; j < n; j++) {
        k |= (bytes[i + j] & 0xffL) << (8 * j);
      }
      i += n;
      k *= C1;
      k = Long.rotateLeft(k, 31);
      k *= C2;
      h ^= k;
      h = Long.rotateLeft(h, 27) * 5 + 0x52dce729;
    }
    return fmix64(h ^ length);
  }

  /** Murmur3's finaliser: every input bit affects every output bit. */
  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  private static boolean isIpv4Mapped(byte[] a) {
    if (a.length != 16 || a[10] != (byte) 0xff || a[11] != (byte) 0xff) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
