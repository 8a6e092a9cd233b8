package io.gatehouse.config;

import java.util.List;

/**
 * One {@code pools[]} entry. {@code sessionPersistence}, {@code healthMonitor} and {@code slowStart} are null
 * when absent (slow start off); {@code outlierDetection} is {@link OutlierDetection#DEFAULT} when absent.
 */
public record PoolConfig(
    String name,
    PoolProtocol protocol,
    LbAlgorithm lbAlgorithm,
    SessionPersistence sessionPersistence,
    HealthMonitorConfig healthMonitor,
    SlowStart slowStart,
    OutlierDetection outlierDetection,
    List<MemberConfig> members) {

  public enum LbAlgorithm { ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_IP }

  public PoolConfig {
    members = List.copyOf(members);
  }
}
