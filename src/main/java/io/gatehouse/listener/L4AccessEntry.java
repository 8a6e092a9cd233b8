package io.gatehouse.listener;

import io.gatehouse.log.AccessEntry;
import io.gatehouse.log.AccessFields;
import java.time.Instant;

/**
 * The access log line of one TCP or SSL connection or UDP session, formatted by the writer thread. The text line
 * keeps the first round's keys in their order and appends {@code pool} and, on SSL, the TLS version and cipher.
 *
 * @param member {@code address:port}, null when none was reached
 * @param tlsVersion null unless TLS was ended here (SSL)
 */
record L4AccessEntry(Instant time, String listener, String protocol, String client, String member, long in,
    long out, long durationMs, String end, String pool, String tlsVersion, String tlsCipher) implements AccessEntry {

  @Override
  public void writeTo(AccessFields line) {
    line.head(time, listener, protocol).client(client).text("member", member).number("in", in).number("out", out)
        .number("duration_ms", durationMs).text("end", end)
        .text("pool", pool).text("tls_version", tlsVersion).text("tls_cipher", tlsCipher);
  }
}
