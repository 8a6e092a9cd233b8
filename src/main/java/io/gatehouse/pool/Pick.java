package io.gatehouse.pool;

/** The outcome of choosing a member: the member (null when none is usable) and why. */
public record Pick(Member member, PickReason reason) {

  public static final Pick NONE = new Pick(null, PickReason.NO_USABLE_MEMBER);

  public boolean found() {
    return member != null;
  }
}
