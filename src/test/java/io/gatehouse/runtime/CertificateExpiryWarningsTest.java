package io.gatehouse.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.LogCapture;
import io.gatehouse.tls.ServedCertificate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a certificate close to expiry is warned about: once when served, again a day later, never per check. */
class CertificateExpiryWarningsTest {

  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  private static ServedCertificate cert(String name, Instant notAfter) {
    return new ServedCertificate(Path.of("/etc/gatehouse/" + name + ".crt"), Path.of("/etc/gatehouse/k.key"),
        List.of(name), notAfter);
  }

  @Test
  void warnsOnceWhenServedThenOnceADayAndAgainForAReplacement() {
    CertificateExpiryWarnings warnings = new CertificateExpiryWarnings(Duration.ofDays(1));
    ServedCertificate soon = cert("soon.example.test", NOW.plus(Duration.ofDays(10)));
    ServedCertificate expired = cert("old.example.test", NOW.minus(Duration.ofDays(1)));
    ServedCertificate later = cert("later.example.test", NOW.plus(Duration.ofDays(15)));
    try (LogCapture log = LogCapture.start()) {
      Map<String, List<ServedCertificate>> served = Map.of("web", List.of(soon, expired, later));
      for (int second = 0; second < 5; second++) { // the Runtime's one-second tick
        warnings.checkServed(served, NOW.plusSeconds(second));
      }
      assertEquals(1, log.matching("certificate soon.example.test").size(), log.text());
      assertTrue(log.matching("certificate soon.example.test").get(0).contains("expires in 10 days"), log.text());
      assertTrue(log.matching("certificate old.example.test").get(0).contains("expired on"), log.text());
      assertTrue(log.matching("later.example.test").isEmpty(), log.text());

      warnings.checkServed(served, NOW.plus(Duration.ofDays(1)).minusSeconds(1));
      assertEquals(1, log.matching("certificate soon.example.test").size(), log.text());
      warnings.checkServed(served, NOW.plus(Duration.ofDays(1)));
      assertEquals(2, log.matching("certificate soon.example.test").size(), log.text());
      assertEquals(2, log.matching("certificate old.example.test").size(), log.text());

      // a replaced file that still expires soon is a new certificate: said at once
      ServedCertificate replaced = cert("soon.example.test", NOW.plus(Duration.ofDays(12)));
      warnings.checkServed(Map.of("web", List.of(replaced)), NOW.plus(Duration.ofDays(1)).plusSeconds(1));
      assertEquals(3, log.matching("certificate soon.example.test").size(), log.text());
    }
  }
}
