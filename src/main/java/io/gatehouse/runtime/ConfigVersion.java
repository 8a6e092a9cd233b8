package io.gatehouse.runtime;

import io.gatehouse.config.ConfigResult;
import java.time.Instant;

/**
 * The running configuration's number (1 for the first), its digest, its digest without the {@code node} section
 * (what the cluster compares for drift) and when it was applied.
 */
public record ConfigVersion(int number, String digest, String sharedDigest, Instant loadedAt) {

  static ConfigVersion first(ConfigResult loaded) {
    return new ConfigVersion(1, loaded.digest(), loaded.sharedDigest(), Instant.now());
  }

  ConfigVersion next(ConfigResult applied) {
    return new ConfigVersion(number + 1, applied.digest(), applied.sharedDigest(), Instant.now());
  }
}
