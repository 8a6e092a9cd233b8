package io.gatehouse.pool;

import static io.gatehouse.pool.PoolSnapshot.slowStartWeight;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.config.SlowStart;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PoolSnapshotTest {

  private static final SlowStart ON = new SlowStart(true, Duration.ofSeconds(100));
  private static final long SECOND = 1_000_000_000L;

  @Test
  void slowStartRampsLinearlyFromOneToTheFullWeight() {
    assertEquals(1, slowStartWeight(ON, 40, 0));
    assertEquals(1, slowStartWeight(ON, 40, -5 * SECOND));
    assertEquals(10, slowStartWeight(ON, 40, 25 * SECOND));
    assertEquals(20, slowStartWeight(ON, 40, 50 * SECOND));
    assertEquals(39, slowStartWeight(ON, 40, 99 * SECOND));
    assertEquals(40, slowStartWeight(ON, 40, 100 * SECOND));
    assertEquals(40, slowStartWeight(ON, 40, Long.MAX_VALUE));
  }

  @Test
  void withoutSlowStartTheWeightIsTheConfiguredOne() {
    assertEquals(40, slowStartWeight(null, 40, 0));
    assertEquals(40, slowStartWeight(new SlowStart(false, Duration.ofSeconds(100)), 40, 0));
    assertEquals(40, slowStartWeight(new SlowStart(true, Duration.ZERO), 40, -1));
  }
}
