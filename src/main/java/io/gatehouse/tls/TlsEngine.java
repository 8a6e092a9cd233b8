package io.gatehouse.tls;

import io.gatehouse.config.TlsPolicyName;
import io.gatehouse.log.Logs;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.security.GeneralSecurityException;
import java.security.Security;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * The TLS implementation behind the listeners: OpenSSL (BoringSSL from netty-tcnative) when it loads, else the
 * JDK's. {@code -Dgatehouse.tls.engine=jdk|openssl} forces one.
 */
public enum TlsEngine {
  OPENSSL,
  JDK;

  public static final String PROPERTY = "gatehouse.tls.engine";
  private static final String DISABLED = "jdk.tls.disabledAlgorithms";
  private static final Logger LOG = Logs.of(TlsEngine.class);
  private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

  /** The engine the property forces, else OpenSSL when available. Logged once. */
  public static TlsEngine selected() {
    String forced = System.getProperty(PROPERTY, "");
    TlsEngine engine = switch (forced) {
      case "jdk" -> JDK;
      case "openssl" -> OPENSSL;
      case "" -> OpenSsl.isAvailable() ? OPENSSL : JDK;
      default -> throw new IllegalArgumentException(PROPERTY + " must be jdk or openssl, not " + forced);
    };
    if (LOGGED.add("engine " + engine)) {
      LOG.info("tls: engine " + engine.name().toLowerCase() + (forced.isEmpty() ? "" : " (forced by " + PROPERTY + ")"));
    }
    return engine;
  }

  /**
   * Re-enables TLS 1.0 and 1.1 in the JDK when a policy allows them and the JDK engine is used; must run before
   * the first SSLContext is built, as the JDK reads the property once.
   */
  public static void prepareJdk(Collection<TlsPolicyName> policies) {
    // BoringSSL refuses client-initiated renegotiation; the JDK engine carries it out unless told not to
    System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
    boolean legacy = policies.stream().anyMatch(p -> TlsPolicy.of(p).allowsLegacyProtocols());
    if (legacy && selected() == JDK) {
      enableLegacyJdkProtocols();
      LOG.info("tls: TLS 1.0 and 1.1 re-enabled in the JDK for the policies that allow them");
    }
  }

  /** Removes TLSv1 and TLSv1.1 from {@code jdk.tls.disabledAlgorithms}. */
  static void enableLegacyJdkProtocols() {
    String disabled = Security.getProperty(DISABLED);
    if (disabled != null) {
      Security.setProperty(DISABLED, Arrays.stream(disabled.split(","))
          .map(String::trim)
          .filter(s -> !s.equals("TLSv1") && !s.equals("TLSv1.1"))
          .collect(Collectors.joining(", ")));
    }
  }

  /** The policy's suites this engine has, in policy order; a missing one is logged once, never an error. */
  List<String> suites(TlsPolicy policy) {
    Set<String> supported = supportedSuites();
    for (String suite : policy.suites()) {
      if (!supported.contains(suite) && LOGGED.add(this + " " + suite)) {
        LOG.info("tls: engine " + name().toLowerCase() + " lacks " + suite + "; left out");
      }
    }
    return policy.suites().stream().filter(supported::contains).toList();
  }

  private Set<String> supportedSuites() {
    if (this == OPENSSL) {
      return OpenSsl.availableJavaCipherSuites();
    }
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, null, null);
      return Set.of(context.getSupportedSSLParameters().getCipherSuites());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no TLS", e);
    }
  }

  /** Vert.x options for this engine; they keep the policy's suite order, which Vert.x would lose in a hash set. */
  SSLEngineOptions options() {
    return this == OPENSSL ? new OrderedOpenSsl() : new OrderedJdk();
  }

  /** The policy order of a suite set: the first policy whose suites, filtered to the set, cover all of it. */
  static Set<String> policyOrder(Set<String> suites) {
    if (suites == null || suites.isEmpty()) {
      return suites;
    }
    for (TlsPolicyName name : TlsPolicyName.values()) {
      List<String> ordered = TlsPolicy.of(name).suites().stream().filter(suites::contains).toList();
      if (ordered.size() == suites.size()) {
        return new LinkedHashSet<>(ordered);
      }
    }
    return suites;
  }

  /**
   * Vert.x's factory with the policy's suite order kept and, for a server context whose pair is RSA, the private
   * key operations handed to {@link OpenSsl3Rsa} (when the engine is OpenSSL and it is available).
   */
  private static SslContextFactory ordered(SslContextFactory factory) {
    return new SslContextFactory() {
      private javax.net.ssl.KeyManagerFactory kmf;
      private boolean client;

      @Override
      public SslContextFactory useAlpn(boolean useAlpn) {
        factory.useAlpn(useAlpn);
        return this;
      }

      @Override
      public SslContextFactory clientAuth(io.netty.handler.ssl.ClientAuth clientAuth) {
        factory.clientAuth(clientAuth);
        return this;
      }

      @Override
      public SslContextFactory forClient(boolean forClient) {
        factory.forClient(forClient);
        client = forClient;
        return this;
      }

      @Override
      public SslContextFactory keyMananagerFactory(javax.net.ssl.KeyManagerFactory kmf) {
        factory.keyMananagerFactory(kmf);
        this.kmf = kmf;
        return this;
      }

      @Override
      public SslContextFactory trustManagerFactory(javax.net.ssl.TrustManagerFactory tmf) {
        factory.trustManagerFactory(tmf);
        return this;
      }

      @Override
      public SslContextFactory enabledCipherSuites(Set<String> suites) {
        factory.enabledCipherSuites(policyOrder(suites));
        return this;
      }

      @Override
      public SslContextFactory applicationProtocols(List<String> protocols) {
        factory.applicationProtocols(protocols);
        return this;
      }

      @Override
      public SslContextFactory serverName(String serverName) {
        factory.serverName(serverName);
        return this;
      }

      @Override
      public io.netty.handler.ssl.SslContext create() throws javax.net.ssl.SSLException {
        io.netty.handler.ssl.SslContext context = factory.create();
        io.netty.handler.ssl.OpenSslPrivateKeyMethod rsa = client ? null : OpenSsl3Rsa.methodFor(kmf);
        if (rsa != null && context instanceof io.netty.handler.ssl.ReferenceCountedOpenSslContext openssl) {
          openssl.setPrivateKeyMethod(rsa);
        }
        return context;
      }
    };
  }

  private static final class OrderedJdk extends JdkSSLEngineOptions {
    @Override
    public SslContextFactory sslContextFactory() {
      return ordered(super.sslContextFactory());
    }

    @Override
    public OrderedJdk copy() {
      return new OrderedJdk();
    }
  }

  private static final class OrderedOpenSsl extends OpenSSLEngineOptions {
    @Override
    public SslContextFactory sslContextFactory() {
      return ordered(super.sslContextFactory());
    }

    @Override
    public OrderedOpenSsl copy() {
      return new OrderedOpenSsl();
    }
  }
}
