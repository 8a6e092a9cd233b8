package io.gatehouse.config;

import java.nio.file.Path;
import java.util.List;

/**
 * How an HTTPS pool checks its members: {@code ca_certificate} (resolved path, null: members are not verified)
 * and {@code tls_server_name} (null: none sent, and the member's address is what its certificate must name); and
 * what it offers them by ALPN: {@code alpn_protocols} (empty: no ALPN, HTTP/1.1).
 */
public record MemberTlsConfig(Path caCertificate, String serverName, List<String> alpnProtocols) {

  /** ALPN's name for HTTP/2 over TLS. */
  public static final String H2 = "h2";
  /** ALPN's name for HTTP/1.1. */
  public static final String HTTP_1_1 = "http/1.1";

  /** Neither field: any member certificate is accepted, no SNI is sent. */
  public static final MemberTlsConfig NONE = new MemberTlsConfig(null, null);

  public MemberTlsConfig {
    alpnProtocols = List.copyOf(alpnProtocols);
  }

  /** Without {@code alpn_protocols}. */
  public MemberTlsConfig(Path caCertificate, String serverName) {
    this(caCertificate, serverName, List.of());
  }

  /** Whether members are offered HTTP/2. */
  public boolean offersH2() {
    return alpnProtocols.contains(H2);
  }

  /** Whether a member's certificate must chain to {@code caCertificate} and name the expected host. */
  public boolean verifies() {
    return caCertificate != null;
  }
}
