package io.gatehouse.balance;

import static io.gatehouse.pool.TestMembers.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pool.Member;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WeightedLeastConnectionsTest {

  private static void acquire(Member m, int times) {
    for (int i = 0; i < times; i++) {
      m.acquire();
    }
  }

  @Test
  void prefersTheLowestActivePlusOneOverWeight() {
    List<Member> ms = members(1, 3, 1);
    Balancer<Member> b = new WeightedLeastConnections<Member>(ms, new int[] {1, 3, 1});
    acquire(ms.get(0), 1); // 2/1
    acquire(ms.get(1), 3); // 4/3
    acquire(ms.get(2), 1); // 2/1
    for (int i = 0; i < 5; i++) {
      assertEquals(ms.get(1), b.pick(0));
    }
    acquire(ms.get(1), 1); // 5/3 still below 2/1
    assertEquals(ms.get(1), b.pick(0));
    acquire(ms.get(1), 2); // 7/3 above 2/1
    Member m = b.pick(0);
    assertTrue(m == ms.get(0) || m == ms.get(2), "picked " + m);
  }

  @Test
  void usesTheEffectiveWeightsGivenNotTheConfiguredOnes() {
    List<Member> ms = members(10, 1);
    Balancer<Member> b = new WeightedLeastConnections<Member>(ms, new int[] {1, 10}); // e.g. slow start
    acquire(ms.get(1), 5); // 6/10 against 1/1
    assertEquals(ms.get(1), b.pick(0));
  }

  @Test
  void tiesRotateAcrossEveryTiedMember() {
    List<Member> ms = members(1, 1, 1, 1);
    Balancer<Member> b = new WeightedLeastConnections<Member>(ms, new int[] {1, 1, 1, 1});
    Set<Member> firstRound = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      firstRound.add(b.pick(0));
    }
    assertEquals(new HashSet<>(ms), firstRound);

    acquire(ms.get(3), 2); // out of the tie
    Map<Member, Integer> counts = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      counts.merge(b.pick(0), 1, Integer::sum);
    }
    assertNull(counts.get(ms.get(3)));
    for (int i = 0; i < 3; i++) {
      assertTrue(counts.getOrDefault(ms.get(i), 0) >= 100, "member " + i + ": " + counts);
    }
  }

  @Test
  void greedyPicksFollowTheWeightsExactly() {
    int[] weights = {1, 2, 3};
    List<Member> ms = members(weights);
    Balancer<Member> b = new WeightedLeastConnections<Member>(ms, weights);
    for (int i = 0; i < 60; i++) {
      b.pick(0).acquire();
    }
    assertEquals(10, ms.get(0).active());
    assertEquals(20, ms.get(1).active());
    assertEquals(30, ms.get(2).active());
  }

  @Test
  void pickOtherExcludesOneMember() {
    List<Member> ms = members(1, 1);
    Balancer<Member> b = new WeightedLeastConnections<Member>(ms, new int[] {1, 1});
    acquire(ms.get(1), 3);
    assertEquals(ms.get(0), b.pick(0));
    for (int i = 0; i < 4; i++) {
      assertEquals(ms.get(1), b.pickOther(ms.get(0), 0));
    }
    Balancer single = new WeightedLeastConnections<Member>(ms.subList(0, 1), new int[] {1});
    assertNull(single.pickOther(ms.get(0), 0));
    assertNull(new WeightedLeastConnections<Member>(List.of(), new int[0]).pick(0));
  }

  @Test
  void peekShowsTheNextPickWithoutRotatingTies() {
    List<Member> ms = members(1, 1, 1);
    Balancer<Member> b = new WeightedLeastConnections<Member>(ms, new int[] {1, 1, 1});
    for (int i = 0; i < 6; i++) {
      Member peeked = b.peek(0);
      assertEquals(peeked, b.peek(0), "a second peek sees the same member");
      assertEquals(peeked, b.pick(0), "pick " + i);
    }
    acquire(ms.get(0), 1);
    acquire(ms.get(1), 1);
    assertEquals(ms.get(2), b.peek(0));
    assertNull(new WeightedLeastConnections<Member>(List.of(), new int[0]).peek(0));
  }
}
