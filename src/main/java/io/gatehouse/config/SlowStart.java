package io.gatehouse.config;

import java.time.Duration;

/** {@code slow_start}: a member that turns usable ramps its weight linearly over {@code duration}. */
public record SlowStart(boolean enable, Duration duration) {}
