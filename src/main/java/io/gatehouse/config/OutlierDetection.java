package io.gatehouse.config;

import java.time.Duration;

/**
 * Passive health on live traffic, Envoy-style: {@code consecutiveFailures} failures in a row eject a member from
 * this node's rotation for {@code baseEjectionTime} times the number of recent ejections, at most ten times it.
 */
public record OutlierDetection(int consecutiveFailures, Duration baseEjectionTime) {

  public static final OutlierDetection DEFAULT = new OutlierDetection(5, Duration.ofSeconds(30));

  public Duration maxEjectionTime() {
    return baseEjectionTime.multipliedBy(10);
  }
}
