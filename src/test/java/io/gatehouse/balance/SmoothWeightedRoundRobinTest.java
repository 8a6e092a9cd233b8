package io.gatehouse.balance;

import static io.gatehouse.pool.TestMembers.members;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pool.Member;
import io.gatehouse.testkit.Concurrently;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {

  private static String sequence(Balancer<Member> b, List<Member> ms, int picks) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < picks; i++) {
      sb.append((char) ('a' + ms.indexOf(b.pick(0))));
    }
    return sb.toString();
  }

  @Test
  void weights511GiveTheSmoothNginxSequence() {
    List<Member> ms = members(5, 1, 1);
    assertEquals("aabacaa" + "aabacaa", sequence(new SmoothWeightedRoundRobin<Member>(ms, new int[] {5, 1, 1}, 0), ms, 14));
  }

  @Test
  void equalWeightsAlternate() {
    List<Member> ms = members(1, 1, 1);
    assertEquals("abcabcabc", sequence(new SmoothWeightedRoundRobin<Member>(ms, new int[] {1, 1, 1}, 0), ms, 9));
  }

  @Test
  void aSingleMemberIsAlwaysPickedAndHasNoOther() {
    List<Member> ms = members(3);
    Balancer<Member> b = new SmoothWeightedRoundRobin<Member>(ms, new int[] {3});
    assertEquals("aaaaa", sequence(b, ms, 5));
    assertNull(b.pickOther(ms.get(0), 0));
  }

  @Test
  void noMembersPickNull() {
    Balancer<Member> b = new SmoothWeightedRoundRobin<Member>(List.of(), new int[0]);
    assertNull(b.pick(0));
    assertNull(b.pickOther(null, 0));
  }

  @Test
  void pickOtherSkipsTheExcludedMemberOnly() {
    List<Member> ms = members(5, 1, 1);
    Balancer<Member> b = new SmoothWeightedRoundRobin<Member>(ms, new int[] {5, 1, 1}, 0);
    assertEquals(ms.get(1), b.pickOther(ms.get(0), 0)); // slots 0 and 1 hold a, slot 2 b
    for (int i = 0; i < 20; i++) {
      Member m = b.pickOther(ms.get(0), 0);
      assertNotNull(m);
      assertNotEquals(ms.get(0), m);
    }
  }

  @Test
  void cycleWeightsAreReducedAndBounded() {
    assertArrayEquals(new int[] {2, 3}, SmoothWeightedRoundRobin.cycleWeights(new int[] {4, 6}));
    assertArrayEquals(new int[] {65535, 1}, SmoothWeightedRoundRobin.cycleWeights(new int[] {70000, 1}));
    int[] many = new int[1000];
    Arrays.fill(many, 97);
    many[0] = 100;
    int[] scaled = SmoothWeightedRoundRobin.cycleWeights(many);
    int total = Arrays.stream(scaled).sum();
    assertTrue(total <= SmoothWeightedRoundRobin.MAX_CYCLE, "cycle " + total);
    assertTrue(scaled[0] > scaled[1] && scaled[1] >= 1, scaled[0] + " " + scaled[1]);
    assertEquals(total, new SmoothWeightedRoundRobin<Member>(members(many), many).cycleLength());
  }

  @Test
  void aSlowStartWeightInFineUnitsGetsOnePickPerCycle() {
    // slow start counts weights in 1/256 while a member ramps: weight 1 just back from OFFLINE against weight 1
    List<Member> ms = members(1, 1);
    SmoothWeightedRoundRobin b = new SmoothWeightedRoundRobin<Member>(ms, new int[] {256, 1}, 0);
    assertEquals(257, b.cycleLength());
    String seq = sequence(b, ms, 257 * 4);
    assertEquals(4, seq.chars().filter(c -> c == 'b').count());
  }

  @Property(tries = 200)
  void wholeCyclesGiveExactlyWeightPicks(
      @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 100) Integer> weightList,
      @ForAll @IntRange(min = 1, max = 3) int cycles) {
    int[] weights = weightList.stream().mapToInt(Integer::intValue).toArray();
    List<Member> ms = members(weights);
    Balancer<Member> b = new SmoothWeightedRoundRobin<Member>(ms, weights);
    int total = Arrays.stream(weights).sum();
    Map<Member, Integer> counts = new HashMap<>();
    for (int i = 0; i < cycles * total; i++) {
      counts.merge(b.pick(0), 1, Integer::sum);
    }
    for (int i = 0; i < ms.size(); i++) {
      assertEquals(cycles * weights[i], counts.getOrDefault(ms.get(i), 0), "member " + i);
    }
  }

  @Test
  void concurrentPicksKeepExactTotals() throws InterruptedException {
    int[] weights = {5, 3, 2, 1};
    List<Member> ms = members(weights);
    Balancer<Member> b = new SmoothWeightedRoundRobin<Member>(ms, weights);
    int threads = 4;
    int picksPerThread = 2500 * 11; // 2500 cycles of 11 each
    Map<Member, LongAdder> counts = new ConcurrentHashMap<>();
    Concurrently.run(threads, t -> {
      for (int i = 0; i < picksPerThread; i++) {
        counts.computeIfAbsent(b.pick(0), k -> new LongAdder()).increment();
      }
    });
    for (int i = 0; i < ms.size(); i++) {
      assertEquals(threads * 2500L * weights[i], counts.get(ms.get(i)).sum(), "member " + i);
    }
  }

  @Test
  void peekShowsTheNextPickWithoutAdvancing() {
    List<Member> ms = members(5, 1, 1);
    Balancer<Member> b = new SmoothWeightedRoundRobin<Member>(ms, new int[] {5, 1, 1}, 0);
    StringBuilder seen = new StringBuilder();
    for (int i = 0; i < 14; i++) {
      Member peeked = b.peek(0);
      assertEquals(peeked, b.peek(0), "a second peek sees the same member");
      Member picked = b.pick(0);
      assertEquals(peeked, picked, "pick " + i);
      seen.append((char) ('a' + ms.indexOf(picked)));
    }
    assertEquals("aabacaa" + "aabacaa", seen.toString(), "peeking did not disturb the sequence");
    assertNull(new SmoothWeightedRoundRobin<Member>(List.of(), new int[0]).peek(0));
  }
}
