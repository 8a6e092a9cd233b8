package io.gatehouse.balance;

import io.gatehouse.pool.Member;
import java.util.List;

/** Placeholder: implemented on the balance branch. */
final class WeightedLeastConnections implements Balancer {
  private final List<Member> members;

  WeightedLeastConnections(List<Member> members, int[] weights) {
    this.members = List.copyOf(members);
  }

  @Override
  public Member pick(long clientHash) {
    return members.isEmpty() ? null : members.get((int) Math.floorMod(clientHash, (long) members.size()));
  }

  @Override
  public Member pickOther(Member excluded, long clientHash) {
    for (Member m : members) {
      if (m != excluded) {
        return m;
      }
    }
    return null;
  }
}
