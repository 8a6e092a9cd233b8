package io.gatehouse.tls;

import io.gatehouse.config.MemberTlsConfig;
import io.gatehouse.pem.BadPem;
import io.gatehouse.pem.Pem;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the gateway speaks TLS to the members of one HTTPS pool: with {@code ca_certificate}, a member's certificate
 * must chain to that CA and name {@code tls_server_name}, else the member's address (an IP SAN); without it any
 * certificate is accepted, as before the field existed. {@code tls_server_name} is sent as SNI either way.
 * Immutable: a reload that changes the fields or the CA file's contents makes a new one, whose member connections
 * are new ones (the old ones idle out).
 */
public final class MemberTls {

  private static final String VERIFY_NAME = "HTTPS"; // RFC 2818 name checks, IP SANs included
  private static volatile MemberTls insecure;

  private final SslContext context;
  private final TrustManagerFactory trust;
  private final String serverName;
  /** What ALPN offers, in order of preference; empty: no ALPN (HTTP/1.1). */
  private final List<String> alpn;
  /** The CA file's bytes as read, to tell a changed file from an unchanged one; empty without a CA. */
  private final byte[] ca;
  /** Null without a CA. */
  private final ClientSSLOptions probe;

  private MemberTls(SslContext context, TrustManagerFactory trust, String serverName, byte[] ca,
      List<String> alpn) {
    this.context = context;
    this.trust = trust;
    this.serverName = serverName;
    this.alpn = alpn;
    this.ca = ca;
    this.probe = trust == null ? null
        : new ClientSSLOptions().setTrustOptions(TrustOptions.wrap(trust)).setHostnameVerificationAlgorithm(VERIFY_NAME);
  }

  /** Reads the CA file (blocking: a worker thread); a file that cannot be used is an IllegalArgumentException. */
  public static MemberTls load(MemberTlsConfig config) {
    if (config.equals(MemberTlsConfig.NONE)) {
      return insecure();
    }
    if (!config.verifies()) {
      return new MemberTls(insecureContext(config.alpnProtocols()), null, config.serverName(), new byte[0],
          config.alpnProtocols());
    }
    try {
      byte[] pem = Files.readAllBytes(config.caCertificate());
      List<X509Certificate> cas = Pem.certificates(pem);
      TrustManagerFactory tmf = trustOnly(cas);
      SslContext context = builder(config.alpnProtocols()).trustManager(tmf)
          .endpointIdentificationAlgorithm(VERIFY_NAME).build();
      return new MemberTls(context, tmf, config.serverName(), pem, config.alpnProtocols());
    } catch (SSLException | GeneralSecurityException e) {
      throw new IllegalArgumentException(config.caCertificate() + ": cannot be used: " + e.getMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + config.caCertificate() + ": " + e.getMessage());
    } catch (BadPem e) {
      throw new IllegalArgumentException(config.caCertificate() + ": " + e.getMessage());
    }
  }

  /** No CA, no name: every such pool shares it, and with it the member connections to a same address. */
  public static MemberTls insecure() {
    MemberTls i = insecure;
    if (i == null) {
      i = new MemberTls(insecureContext(List.of()), null, null, new byte[0], List.of());
      insecure = i;
    }
    return i;
  }

  /** The same settings and the same CA bytes: the running one can stay, with its connections. */
  public boolean sameAs(MemberTls other) {
    return other != null && java.util.Objects.equals(serverName, other.serverName) && Arrays.equals(ca, other.ca)
        && (trust == null) == (other.trust == null) && alpn.equals(other.alpn);
  }

  public boolean verifies() {
    return trust != null;
  }

  /** Whether members are offered HTTP/2 by ALPN: a connection speaks it when the member picks {@code h2}. */
  public boolean offersH2() {
    return alpn.contains(MemberTlsConfig.H2);
  }

  /** The name sent as SNI and verified: {@code tls_server_name}, else the member's address. */
  public String peerHost(String memberAddress) {
    return serverName != null ? serverName : memberAddress;
  }

  /**
   * A handler for a new connection to {@code member}, on its event loop. The handshake gets the connect's time
   * ({@code handshakeTimeoutMillis}), not Netty's 10 s: a member that accepts and never answers TLS must not hold a
   * request longer than one that never accepts.
   */
  public SslHandler newHandler(ByteBufAllocator alloc, InetSocketAddress member, long handshakeTimeoutMillis) {
    SslHandler handler = context.newHandler(alloc, peerHost(member.getHostString()), member.getPort());
    handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
    return handler;
  }

  /**
   * Vert.x client options for an HTTPS health probe with the same checks (when {@link #verifies()}). One value
   * per settings, so that Vert.x builds its TLS context once, not per probe.
   */
  public ClientSSLOptions probeOptions() {
    return probe;
  }

  private static SslContextBuilder builder(List<String> alpn) {
    SslContextBuilder b = SslContextBuilder.forClient()
        .sslProvider(TlsEngine.selected() == TlsEngine.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK);
    if (!alpn.isEmpty()) {
      // a member that picks nothing (no ALPN on its side) is spoken to in HTTP/1.1, as without the field
      b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
    }
    return b;
  }

  /** Any certificate, no name check (like HAProxy's "verify none"). */
  private static SslContext insecureContext(List<String> alpn) {
    try {
      return builder(alpn).trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null).build();
    } catch (SSLException e) {
      throw new IllegalStateException("member TLS context: " + e.getMessage(), e);
    }
  }

  /** Trusts exactly these CAs, not the JDK's default ones. */
  private static TrustManagerFactory trustOnly(List<X509Certificate> cas)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (int i = 0; i < cas.size(); i++) {
      store.setCertificateEntry("ca" + i, cas.get(i));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf;
  }
}
