package io.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * One {@code pools[]} entry. {@code sessionPersistence}, {@code healthMonitor} and {@code slowStart} are null
 * when absent (slow start off); {@code outlierDetection} is {@link OutlierDetection#DEFAULT} when absent;
 * {@code memberTls} is {@link MemberTlsConfig#NONE} unless an HTTPS pool sets {@code ca_certificate} or
 * {@code tls_server_name}. {@code deregistrationDelay} is null when absent: a draining member's connections
 * continue until they end.
 */
public record PoolConfig(
    String name,
    PoolProtocol protocol,
    LbAlgorithm lbAlgorithm,
    SessionPersistence sessionPersistence,
    HealthMonitorConfig healthMonitor,
    SlowStart slowStart,
    OutlierDetection outlierDetection,
    List<MemberConfig> members,
    MemberTlsConfig memberTls,
    Duration deregistrationDelay) {

  public enum LbAlgorithm { ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_IP }

  public PoolConfig {
    members = List.copyOf(members);
  }

  /** Without {@code ca_certificate} and {@code tls_server_name}. */
  public PoolConfig(String name, PoolProtocol protocol, LbAlgorithm lbAlgorithm,
      SessionPersistence sessionPersistence, HealthMonitorConfig healthMonitor, SlowStart slowStart,
      OutlierDetection outlierDetection, List<MemberConfig> members) {
    this(name, protocol, lbAlgorithm, sessionPersistence, healthMonitor, slowStart, outlierDetection, members,
        MemberTlsConfig.NONE);
  }

  /** Without {@code deregistration_delay}. */
  public PoolConfig(String name, PoolProtocol protocol, LbAlgorithm lbAlgorithm,
      SessionPersistence sessionPersistence, HealthMonitorConfig healthMonitor, SlowStart slowStart,
      OutlierDetection outlierDetection, List<MemberConfig> members, MemberTlsConfig memberTls) {
    this(name, protocol, lbAlgorithm, sessionPersistence, healthMonitor, slowStart, outlierDetection, members,
        memberTls, null);
  }
}
