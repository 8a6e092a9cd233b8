package io.gatehouse.balance;

/** Placeholder: implemented on the balance branch. */
public final class ClientHash {
  private ClientHash() {}

  /** A stable 64-bit hash of a raw client address (4 or 16 bytes), the same on every node and restart. */
  public static long of(byte[] address) {
    long h = 1125899906842597L;
    for (byte b : address) {
      h = 31 * h + b;
    }
    return h;
  }
}
