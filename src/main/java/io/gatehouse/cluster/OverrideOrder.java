package io.gatehouse.cluster;

import io.gatehouse.pool.MemberOverride;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The order of the overrides of each member, by the time they were set and then the node that set them: a node
 * applies an entry only when it is newer than the last one it saw for that member, set or cleared. So an old sealed
 * entry that a member of the cluster puts back (it can: it sees them go by) is refused, and two nodes that set an
 * override at once end on the same one. A node stamps its own overrides later than any it has seen for the member,
 * so an operator's new call always wins whatever the clocks of the nodes that took the earlier ones. Thread-safe:
 * entry events arrive on Hazelcast threads, calls on the Runtime context.
 */
final class OverrideOrder {

  /**
   * The newest override seen for a member.
   *
   * @param cleared it was cleared since: only a newer one is taken
   * @param mine this node set it (or cleared it): this node puts it back in the map when an older one replaces it
   */
  record Seen(MemberOverride override, boolean cleared, boolean mine) {
    boolean newerThan(MemberOverride o) {
      int c = Long.compare(override.at().toEpochMilli(), o.at().toEpochMilli());
      return c > 0 || c == 0 && (override.node().compareTo(o.node()) > 0 || cleared);
    }
  }

  private final ConcurrentHashMap<String, Seen> newest = new ConcurrentHashMap<>();

  /** {@code o}, set on this node, stamped after every override seen for {@code key}, and remembered as the newest. */
  MemberOverride stamp(String key, MemberOverride o) {
    return newest.compute(key, (k, seen) -> {
      // whole milliseconds, as the map holds it: the echo of this entry is then equal to it
      long at = Math.max(o.at().toEpochMilli(), seen == null ? Long.MIN_VALUE : seen.override().at().toEpochMilli() + 1);
      return new Seen(new MemberOverride(o.action(), o.weight(), o.by(), o.node(), Instant.ofEpochMilli(at)), false, true);
    }).override();
  }

  /** The override of {@code key} was cleared ({@code mine}: on this node). */
  void cleared(String key, boolean mine) {
    newest.computeIfPresent(key, (k, seen) -> new Seen(seen.override(), true, mine || seen.mine()));
  }

  /**
   * Whether {@code o}, from the map, is to be applied; when it is, it becomes the newest. When it is not, the newest
   * seen is returned, else null.
   */
  Seen older(String key, MemberOverride o) {
    Seen[] refused = new Seen[1];
    newest.compute(key, (k, seen) -> {
      if (seen != null && seen.newerThan(o)) {
        refused[0] = seen;
        return seen;
      }
      boolean same = seen != null && seen.override().equals(o);
      return new Seen(o, false, same && seen.mine());
    });
    return refused[0];
  }
}
