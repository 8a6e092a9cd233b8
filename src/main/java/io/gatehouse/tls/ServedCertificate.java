package io.gatehouse.tls;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A certificate a listener serves, as the status document and the expiry metric show it: its file and its key's,
 * the host names it is for (SAN DNS entries, else subject CNs) and the expiry of its leaf.
 */
public record ServedCertificate(Path file, Path privateKey, List<String> names, Instant notAfter) {

  public ServedCertificate {
    names = List.copyOf(names);
  }
}
