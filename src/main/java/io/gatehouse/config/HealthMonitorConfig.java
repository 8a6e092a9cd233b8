package io.gatehouse.config;

import java.time.Duration;

/**
 * {@code health_monitor}. {@code monitorPort} is 0 when members are probed on their own port; {@code domainName}
 * is null when the probe sends the member address as Host; {@code grpcServiceName} is what a {@code GRPC} probe
 * asks about ({@code ""}: the whole server).
 */
public record HealthMonitorConfig(
    Type type,
    Duration delay,
    Duration timeout,
    int maxRetries,
    int maxRetriesDown,
    int monitorPort,
    String urlPath,
    String httpMethod,
    String domainName,
    ExpectedCodes expectedCodes,
    String grpcServiceName) {

  public enum Type { TCP, UDP_CONNECT, HTTP, HTTPS, GRPC }

  /** A monitor of any type but {@code GRPC}, whose service name is then the default. */
  public HealthMonitorConfig(Type type, Duration delay, Duration timeout, int maxRetries, int maxRetriesDown,
      int monitorPort, String urlPath, String httpMethod, String domainName, ExpectedCodes expectedCodes) {
    this(type, delay, timeout, maxRetries, maxRetriesDown, monitorPort, urlPath, httpMethod, domainName, expectedCodes,
        "");
  }
}
