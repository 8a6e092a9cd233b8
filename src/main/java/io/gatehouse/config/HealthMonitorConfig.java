package io.gatehouse.config;

import java.time.Duration;

/**
 * {@code health_monitor}. {@code monitorPort} is 0 when members are probed on their own port; {@code domainName}
 * is null when the probe sends the member address as Host.
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
    ExpectedCodes expectedCodes) {

  public enum Type { TCP, UDP_CONNECT, HTTP, HTTPS }
}
