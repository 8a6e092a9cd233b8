package io.gatehouse.runtime;

import java.time.Instant;

/** The running configuration's number (1 for the first), its digest and when it was applied. */
public record ConfigVersion(int number, String digest, Instant loadedAt) {

  ConfigVersion next(String nextDigest) {
    return new ConfigVersion(number + 1, nextDigest, Instant.now());
  }
}
