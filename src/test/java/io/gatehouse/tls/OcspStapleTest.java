package io.gatehouse.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pem.Pem;
import io.gatehouse.testkit.TestCerts;
import java.net.URI;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a handshake gets from a staple as its response ages, and what the refresher's clock says. */
class OcspStapleTest {

  private static final URI RESPONDER = URI.create("http://127.0.0.1:1/");
  private static final byte[] DER = {0x30, 0x03, 0x0a, 0x01, 0x00};

  private static OcspStaple staple() throws Exception {
    List<X509Certificate> chain = Pem.certificates(Files.readAllBytes(TestCerts.RSA_CHAIN));
    return OcspStaple.of(chain, RESPONDER, null);
  }

  @Test
  void aCurrentResponseIsStapledAndAnExpiredOneIsNot() throws Exception {
    OcspStaple staple = staple();
    Instant now = Instant.now();
    assertEquals("pending", staple.status(now));
    assertNull(staple.forHandshake());

    staple.store(new OcspAnswer(DER, "good", now.minusSeconds(60), now.plusSeconds(600), now));
    assertArrayEquals(DER, staple.forHandshake());
    assertEquals("good", staple.status(now));

    staple.failed("responder down");
    assertArrayEquals(DER, staple.forHandshake(), "a failed fetch keeps the last good response");
    assertEquals("responder down", staple.lastError());

    staple.store(new OcspAnswer(DER, "good", now.minusSeconds(600), now.minusSeconds(1), now.minusSeconds(300)));
    assertNull(staple.forHandshake(), "past its nextUpdate a response is no longer stapled");
    assertEquals("expired", staple.status(now));
  }

  @Test
  void aChainWithoutItsIssuerCannotBeStapled() throws Exception {
    List<X509Certificate> leafOnly = Pem.certificates(Files.readAllBytes(TestCerts.RSA_CERT));
    OcspStaple staple = OcspStaple.of(leafOnly, RESPONDER, null);
    assertEquals("unavailable", staple.status(Instant.now()));
    assertTrue(staple.lastError().contains("does not hold its issuer"), staple.lastError());
    OcspStaple noResponder = OcspStaple.of(Pem.certificates(Files.readAllBytes(TestCerts.RSA_CHAIN)), null, null);
    assertTrue(noResponder.lastError().contains("names no OCSP responder"), noResponder.lastError());
  }

  @Test
  void refreshesAtHalfTheValidityLeftAndRetriesWithBackoff() {
    Instant now = Instant.now();
    OcspAnswer tenMinutes = new OcspAnswer(DER, "good", now, now.plus(Duration.ofMinutes(10)), now);
    assertEquals(Duration.ofMinutes(5), OcspRefresher.refreshDelay(tenMinutes, now));
    OcspAnswer week = new OcspAnswer(DER, "good", now, now.plus(Duration.ofDays(7)), now);
    assertEquals(OcspRefresher.LONGEST_REFRESH, OcspRefresher.refreshDelay(week, now));
    OcspAnswer noNextUpdate = new OcspAnswer(DER, "good", now, null, now);
    assertEquals(Duration.ofMinutes(30), OcspRefresher.refreshDelay(noNextUpdate, now));
    assertEquals(List.of(1L, 2L, 4L, 8L, 300L, 300L), List.of(0, 1, 2, 3, 9, 40).stream()
        .map(n -> OcspRefresher.retryDelay(n).toSeconds()).toList());
  }
}
