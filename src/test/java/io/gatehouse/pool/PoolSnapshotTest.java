package io.gatehouse.pool;

import static io.gatehouse.pool.SlowStartRamp.FINE_SCALE;
import static io.gatehouse.pool.SlowStartRamp.MAX_ROUND_ROBIN_WORK;
import static io.gatehouse.pool.SlowStartRamp.scale;
import static io.gatehouse.pool.SlowStartRamp.weight;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.OutlierDetection;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolConfig.LbAlgorithm;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.config.SlowStart;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolSnapshotTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long RAMP = 100 * SECOND;

  private static PoolConfig config(LbAlgorithm lb, SlowStart slowStart) {
    return new PoolConfig("p", PoolProtocol.TCP, lb, null, null, slowStart, OutlierDetection.DEFAULT, List.of());
  }

  @Test
  void slowStartRampsLinearlyFromAFractionToTheFullWeight() {
    int full = 40 * FINE_SCALE;
    assertEquals(1, weight(full, 0, RAMP), "a recovering member gets some at once");
    assertEquals(1, weight(full, -5 * SECOND, RAMP));
    assertEquals(full / 4, weight(full, 25 * SECOND, RAMP));
    assertEquals(full / 2, weight(full, 50 * SECOND, RAMP));
    assertEquals(full * 99 / 100, weight(full, 99 * SECOND, RAMP));
    assertEquals(full, weight(full, 100 * SECOND, RAMP));
    assertEquals(full, weight(full, Long.MAX_VALUE, RAMP));
    assertEquals(FINE_SCALE / 10, weight(FINE_SCALE, 10 * SECOND, RAMP), "weight 1 ramps in 256 steps");
  }

  @Test
  void withoutARampTheWeightsAreTheConfiguredOnes() {
    List<Member> ms = TestMembers.members(40, 1);
    int[] configured = {40, 1};
    long now = System.nanoTime();
    SlowStart on = new SlowStart(true, Duration.ofSeconds(100));
    for (SlowStartRamp r : List.of(
        SlowStartRamp.of(config(LbAlgorithm.ROUND_ROBIN, null), ms, configured, now),
        SlowStartRamp.of(config(LbAlgorithm.ROUND_ROBIN, new SlowStart(false, Duration.ofSeconds(100))), ms,
            configured, now),
        SlowStartRamp.of(config(LbAlgorithm.ROUND_ROBIN, new SlowStart(true, Duration.ZERO)), ms, configured, now),
        SlowStartRamp.of(config(LbAlgorithm.ROUND_ROBIN, on), ms, configured, now))) { // never recovered
      assertArrayEquals(configured, r.weights());
      assertEquals(1, r.scale());
      assertFalse(r.ramping());
    }
  }

  @Test
  void whileOneMemberRampsEveryWeightCountsInTheFineUnit() {
    List<Member> ms = TestMembers.members(40, 1);
    ms.get(1).setEjected(true);
    ms.get(1).setEjected(false);
    long now = System.nanoTime();
    long at = now - ms.get(1).recoveredForNanos(now) + 10 * SECOND;
    SlowStartRamp r = SlowStartRamp.of(config(LbAlgorithm.LEAST_CONNECTIONS,
        new SlowStart(true, Duration.ofSeconds(100))), ms, new int[] {40, 1}, at);
    assertTrue(r.ramping());
    assertEquals(FINE_SCALE, r.scale());
    assertArrayEquals(new int[] {40 * FINE_SCALE, FINE_SCALE / 10}, r.weights());
  }

  @Test
  void aLargeRoundRobinPoolRampsInACoarserUnitToBoundItsRebuild() {
    int[] small = {1, 1};
    assertEquals(FINE_SCALE, scale(LbAlgorithm.ROUND_ROBIN, small));
    int[] large = new int[100];
    Arrays.fill(large, 100);
    int s = scale(LbAlgorithm.ROUND_ROBIN, large);
    assertTrue(s > 1 && s < FINE_SCALE, "scale " + s);
    assertTrue(10_000L * s * large.length <= MAX_ROUND_ROBIN_WORK, "cycle × members with scale " + s);
    int[] huge = new int[5000];
    Arrays.fill(huge, 100);
    assertEquals(1, scale(LbAlgorithm.ROUND_ROBIN, huge), "never below the configured unit");
    assertEquals(FINE_SCALE, scale(LbAlgorithm.LEAST_CONNECTIONS, huge), "a pick costs the same in any unit");
  }
}
