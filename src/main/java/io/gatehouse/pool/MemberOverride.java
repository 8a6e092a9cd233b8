package io.gatehouse.pool;

import java.time.Instant;

/**
 * A runtime override of a member set through the admin API, on top of the configuration file: drain it, enable
 * it (whatever {@code admin_state_up} says), or give it another weight. The last one set is the one in force.
 *
 * @param weight the weight for {@link Action#WEIGHT}, else null
 * @param by the caller's address
 * @param node the node that took the call
 */
public record MemberOverride(Action action, Integer weight, String by, String node, Instant at) {

  public enum Action { DRAIN, ENABLE, WEIGHT }

  public MemberOverride {
    if ((action == Action.WEIGHT) != (weight != null)) {
      throw new IllegalArgumentException("a weight goes with the WEIGHT action only");
    }
  }

  /** Whether the member takes new connections under this override, {@code configured} being the file's answer. */
  boolean adminStateUp(boolean configured) {
    return switch (action) {
      case DRAIN -> false;
      case ENABLE -> true;
      case WEIGHT -> configured;
    };
  }

  int weight(int configured) {
    return weight == null ? configured : weight;
  }
}
