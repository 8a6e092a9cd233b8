package io.gatehouse.tls;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.pem.BadPem;
import io.gatehouse.pem.CertKey;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.security.cert.X509Certificate;

/**
 * A QUIC listener's TLS: the listener's key pairs (SNI ones chosen by the client's name, wildcards included, the
 * main pair the fallback), ALPN h3, client certificates under {@code client_ca}, and no 0-RTT (early data can be
 * replayed by anyone who saw it). QUIC is TLS 1.3 only and its library takes no suite list. The context in use is
 * read per handshake, so that replaced certificate files reach new handshakes ({@link #update}).
 */
public final class QuicTls {

  private volatile Mapping<String, QuicSslContext> byName;
  private final QuicSslContext context;

  private QuicTls(Mapping<String, QuicSslContext> byName) {
    this.byName = byName;
    this.context = QuicSslContextBuilder.buildForServerWithSni(name -> this.byName.map(name));
  }

  /** Reads the files (blocking) and builds the contexts; fails naming the file when one is bad. */
  public static QuicTls load(TlsConfig tls) {
    return new QuicTls(mapping(tls));
  }

  /** What the QUIC codec is built with: picks the current pair by SNI on each handshake. */
  public QuicSslContext context() {
    return context;
  }

  /** The listener's files anew (blocking): new handshakes get them, open connections keep theirs. */
  public void update(TlsConfig tls) {
    byName = mapping(tls);
  }

  private static Mapping<String, QuicSslContext> mapping(TlsConfig tls) {
    TlsFiles files;
    try {
      files = TlsFiles.read(tls);
    } catch (BadPem e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    X509Certificate[] ca = files.clientCa().toArray(new X509Certificate[0]);
    QuicSslContext main = context(files.main(), ca);
    DomainWildcardMappingBuilder<QuicSslContext> names = new DomainWildcardMappingBuilder<>(main);
    for (CertKey pair : files.sni()) {
      QuicSslContext c = context(pair, ca);
      pair.names().forEach(name -> names.add(name, c));
    }
    return names.build();
  }

  private static QuicSslContext context(CertKey pair, X509Certificate[] clientCa) {
    QuicSslContextBuilder b = QuicSslContextBuilder.forServer(pair.key(), null,
            pair.chain().toArray(new X509Certificate[0]))
        .applicationProtocols(Http3.supportedApplicationProtocols())
        .earlyData(false);
    if (clientCa.length > 0) {
      b.trustManager(clientCa).clientAuth(ClientAuth.REQUIRE);
    }
    return b.build();
  }
}
