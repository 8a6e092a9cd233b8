package io.gatehouse.config;

import java.time.Duration;

/**
 * {@code outlier_detection}: passive health on live traffic, Envoy-style. When {@code enabled},
 * {@code consecutiveFailures} failures in a row eject a member from this node's rotation for
 * {@code baseEjectionTime} times the number of recent ejections, at most ten times it.
 */
public record OutlierDetection(boolean enabled, int consecutiveFailures, Duration baseEjectionTime) {

  public static final OutlierDetection DEFAULT = new OutlierDetection(true, 5, Duration.ofSeconds(30));

  public Duration maxEjectionTime() {
    return baseEjectionTime.multipliedBy(10);
  }
}
