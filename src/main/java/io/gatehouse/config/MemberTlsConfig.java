package io.gatehouse.config;

import java.nio.file.Path;

/**
 * How an HTTPS pool checks its members: {@code ca_certificate} (resolved path, null: members are not verified)
 * and {@code tls_server_name} (null: none sent, and the member's address is what its certificate must name).
 */
public record MemberTlsConfig(Path caCertificate, String serverName) {

  /** Neither field: any member certificate is accepted, no SNI is sent. */
  public static final MemberTlsConfig NONE = new MemberTlsConfig(null, null);

  /** Whether a member's certificate must chain to {@code caCertificate} and name the expected host. */
  public boolean verifies() {
    return caCertificate != null;
  }
}
