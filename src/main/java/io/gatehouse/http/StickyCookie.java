package io.gatehouse.http;

/** Placeholder: implemented on the router branch. */
public final class StickyCookie {

  /** @param key the HMAC key (shared by every node of a cluster, random per process when standalone) */
  public StickyCookie(byte[] key) {}

  /** An opaque, signed cookie value naming {@code memberId} until {@code expiresAtMillis}. */
  public String issue(String poolName, String memberId, long expiresAtMillis) {
    return memberId;
  }

  /** The member id a cookie value names, or null when it is malformed, tampered with, for another pool, or expired. */
  public String verify(String poolName, String cookieValue, long nowMillis) {
    return null;
  }
}
