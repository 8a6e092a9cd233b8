package io.gatehouse.config;

import java.time.Duration;

/**
 * {@code split_sticky}: a client split between pools keeps the pool it first got for {@code duration}, through
 * the signed {@code GATEHOUSE_POOL} cookie.
 */
public record SplitSticky(boolean enable, Duration duration) {

  public static final SplitSticky OFF = new SplitSticky(false, Duration.ofHours(1));
}
