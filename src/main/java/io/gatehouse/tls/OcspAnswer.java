package io.gatehouse.tls;

import java.time.Duration;
import java.time.Instant;

/**
 * An OCSP response checked against the certificate it is for: the bytes to staple, the certificate's status as
 * the responder signed it ({@code good}, {@code revoked}, {@code unknown}) and its validity. {@code nextUpdate} is
 * null when the responder gave none; such a response is served for {@link #WITHOUT_NEXT_UPDATE} after its fetch.
 */
record OcspAnswer(byte[] der, String status, Instant thisUpdate, Instant nextUpdate, Instant fetchedAt) {

  static final Duration WITHOUT_NEXT_UPDATE = Duration.ofHours(1);

  /** Until when it is stapled: its nextUpdate (an expired response tells a client nothing it may rely on). */
  Instant staleAt() {
    return nextUpdate != null ? nextUpdate : fetchedAt.plus(WITHOUT_NEXT_UPDATE);
  }
}
