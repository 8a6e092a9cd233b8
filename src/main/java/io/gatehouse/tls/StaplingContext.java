package io.gatehouse.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * A BoringSSL server context for one certificate that staples its OCSP response: each engine gets the cached
 * response before its handshake starts (BoringSSL sends it only to a client that asked). Vert.x builds one context
 * per certificate an SNI name picks, so the response follows the name the client sent. The handshake never waits:
 * without a current response, the engine staples nothing.
 */
final class StaplingContext extends DelegatingSslContext {

  /** The staple of each key manager factory of a stapling listener; weak, like the factories' own lifetime. */
  private static final Map<KeyManagerFactory, OcspStaple> BY_FACTORY =
      Collections.synchronizedMap(new WeakHashMap<>());

  private final OcspStaple staple;

  private StaplingContext(SslContext context, OcspStaple staple) {
    super(context);
    this.staple = staple;
  }

  /** Server contexts built on {@code kmf} staple {@code staple}'s response. */
  static void register(KeyManagerFactory kmf, OcspStaple staple) {
    BY_FACTORY.put(kmf, staple);
  }

  /** The staple of server contexts on {@code kmf}, or null when they staple nothing. */
  static OcspStaple stapleFor(KeyManagerFactory kmf) {
    return kmf == null ? null : BY_FACTORY.get(kmf);
  }

  /**
   * Netty's OpenSSL server context as Vert.x's default factory builds it, with OCSP on (the engine refuses a
   * response otherwise). {@code alpn} is null without ALPN.
   */
  static SslContext build(KeyManagerFactory kmf, TrustManagerFactory tmf, ClientAuth clientAuth, Set<String> suites,
      List<String> alpn) throws SSLException {
    SslContextBuilder builder = SslContextBuilder.forServer(kmf)
        .sslProvider(SslProvider.OPENSSL)
        .enableOcsp(true)
        .clientAuth(clientAuth == null ? ClientAuth.NONE : clientAuth);
    if (tmf != null) {
      builder.trustManager(tmf);
    }
    if (suites != null && !suites.isEmpty()) {
      builder.ciphers(suites);
    }
    if (alpn != null && !alpn.isEmpty()) {
      // as for Vert.x's OpenSSL contexts: BoringSSL cannot send a fatal alert on no common protocol
      builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
    }
    return builder.build();
  }

  /** {@code context} (built by {@link #build}) stapling {@code staple}'s response. */
  static SslContext stapling(SslContext context, OcspStaple staple) {
    return new StaplingContext(context, staple);
  }

  @Override
  protected void initEngine(SSLEngine engine) {
    byte[] response = staple.forHandshake();
    if (response != null && engine instanceof ReferenceCountedOpenSslEngine openssl) {
      openssl.setOcspResponse(response);
    }
  }
}
