package io.gatehouse.session;

/**
 * A sticky entry as it travels between nodes: the member, when the mapping was first recorded and when it
 * expires, both on the wall clock (comparable across nodes). Encoded as one string so that the cluster map
 * needs no class of ours to deserialize.
 */
public record StickyValue(String memberId, long createdAtMillis, long expiresAtMillis) {

  /**
   * The order that settles conflicting first picks on every node: the earlier mapping wins, ties by member
   * identity, so two nodes that chose differently for the same new client converge on one choice.
   */
  public boolean winsOver(StickyValue other) {
    if (createdAtMillis != other.createdAtMillis) {
      return createdAtMillis < other.createdAtMillis;
    }
    return memberId.compareTo(other.memberId) < 0;
  }

  /** The same mapping (maybe with another expiry). */
  public boolean sameMapping(StickyValue other) {
    return createdAtMillis == other.createdAtMillis && memberId.equals(other.memberId);
  }

  public String encode() {
    return createdAtMillis + " " + expiresAtMillis + " " + memberId;
  }

  /** The value {@link #encode} wrote, or null for anything else (never throws: the text came from the network). */
  public static StickyValue decode(String text) {
    int a = text.indexOf(' ');
    int b = a < 0 ? -1 : text.indexOf(' ', a + 1);
    if (b < 0 || b == text.length() - 1) {
      return null;
    }
    try {
      return new StickyValue(text.substring(b + 1), Long.parseLong(text.substring(0, a)),
          Long.parseLong(text.substring(a + 1, b)));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
