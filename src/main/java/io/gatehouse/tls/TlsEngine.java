package io.gatehouse.tls;

import io.gatehouse.config.TlsConfig;
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
 * The TLS implementation behind a listener: OpenSSL (BoringSSL from netty-tcnative), which {@code tls.engine}
 * {@code "boringssl"} asks for and which falls back to the JDK's when it does not load, or the JDK's
 * ({@code "jdk"}). {@code -Dgatehouse.tls.engine=jdk|openssl} forces one for every listener and member
 * connection of the process, over the field (the test suite runs once per engine so).
 */
public enum TlsEngine {
  OPENSSL,
  JDK;

  public static final String PROPERTY = "gatehouse.tls.engine";
  private static final String DISABLED = "jdk.tls.disabledAlgorithms";
  private static final String V10 = "TLSv1";
  private static final String V11 = "TLSv1.1";
  private static final Logger LOG = Logs.of(TlsEngine.class);
  private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
  /** Whether the JDK engine may use TLS 1.0 and 1.1 in this process (decided once, at start-up). */
  private static volatile boolean legacyJdk = disabledInJdk().isEmpty();

  /** The engine the property forces, else OpenSSL when available: for member connections. Logged once. */
  public static TlsEngine selected() {
    TlsEngine forced = forced();
    TlsEngine engine = forced != null ? forced : OpenSsl.isAvailable() ? OPENSSL : JDK;
    logOnce("engine " + engine, "tls: default engine " + engine.configName()
        + (forced != null ? " (forced by -D" + PROPERTY + ")" : ""));
    return engine;
  }

  /**
   * The engine a listener's {@code tls.engine} gets: the property's when it forces one (logged once: it wins over
   * the field), else the one asked for, BoringSSL falling back to the JDK's when it does not load.
   */
  public static TlsEngine of(TlsConfig.Engine asked) {
    TlsEngine forced = forced();
    if (forced != null) {
      if (forced != fromConfig(asked)) {
        logOnce("forced " + asked, "tls: engine " + forced.configName() + " used where tls.engine is "
            + asked.configName() + ": -D" + PROPERTY + " overrides the field");
      }
      return forced;
    }
    if (asked == TlsConfig.Engine.BORINGSSL && !OpenSsl.isAvailable()) {
      if (LOGGED.add("fallback")) {
        LOG.warning("tls: BoringSSL (netty-tcnative) is not available here, engine jdk used instead: "
            + OpenSsl.unavailabilityCause());
      }
      return JDK;
    }
    return fromConfig(asked);
  }

  private static TlsEngine forced() {
    String forced = System.getProperty(PROPERTY, "");
    return switch (forced) {
      case "jdk" -> JDK;
      case "openssl", "boringssl" -> OPENSSL;
      case "" -> null;
      default -> throw new IllegalArgumentException(PROPERTY + " must be jdk or openssl, not " + forced);
    };
  }

  private static TlsEngine fromConfig(TlsConfig.Engine asked) {
    return asked == TlsConfig.Engine.JDK ? JDK : OPENSSL;
  }

  /** Whether this engine can run here (BoringSSL needs netty-tcnative's library for this platform). */
  boolean available() {
    return this == JDK || OpenSsl.isAvailable();
  }

  /** The name {@code tls.engine} and the status document give this engine. */
  /**
   * Who signs for RSA keys on this engine, by {@code tls_rsa_signer}'s names ({@code openssl3}, {@code boringssl}),
   * or {@code jdk} on the JDK engine.
   */
  public String rsaSigner() {
    return this == OPENSSL ? OpenSsl3Rsa.signerName() : TlsConfig.Engine.JDK.configName();
  }

  public String configName() {
    return this == OPENSSL ? TlsConfig.Engine.BORINGSSL.configName() : TlsConfig.Engine.JDK.configName();
  }

  /**
   * Re-enables TLS 1.0 and 1.1 in the JDK when a listener's policy allows them and its engine is the JDK's; must
   * run before the first SSLContext is built, as the JDK reads the property once, for the whole process. A
   * reload cannot do it later: such a listener then offers TLS 1.2 and up until a restart ({@link #protocols}).
   */
  public static void prepareJdk(Collection<TlsConfig> listeners) {
    // BoringSSL refuses client-initiated renegotiation; the JDK engine carries it out unless told not to
    System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
    boolean legacy = listeners.stream()
        .anyMatch(t -> TlsPolicy.of(t.securityPolicy()).allowsLegacyProtocols() && of(t.engine()) == JDK);
    if (legacy && !legacyJdk) {
      enableLegacyJdkProtocols();
      LOG.info("tls: TLS 1.0 and 1.1 re-enabled in the JDK (process-wide) for the listeners whose policy allows "
          + "them on engine jdk");
    }
  }

  /** Removes TLSv1 and TLSv1.1 from {@code jdk.tls.disabledAlgorithms}. */
  static void enableLegacyJdkProtocols() {
    String disabled = Security.getProperty(DISABLED);
    if (disabled != null) {
      Security.setProperty(DISABLED, Arrays.stream(disabled.split(","))
          .map(String::trim)
          .filter(s -> !s.equals(V10) && !s.equals(V11))
          .collect(Collectors.joining(", ")));
    }
    legacyJdk = true;
  }

  /** TLS 1.0 and 1.1 as {@code jdk.tls.disabledAlgorithms} lists them now. */
  private static Set<String> disabledInJdk() {
    String disabled = Security.getProperty(DISABLED);
    return disabled == null ? Set.of() : Arrays.stream(disabled.split(",")).map(String::trim)
        .filter(s -> s.equals(V10) || s.equals(V11)).collect(Collectors.toSet());
  }

  /**
   * The policy's protocol versions this engine offers: all of them, except TLS 1.0 and 1.1 on the JDK's when they
   * were not re-enabled at start-up (logged once per policy).
   */
  List<String> protocols(TlsPolicy policy) {
    if (this == OPENSSL || legacyJdk || !policy.allowsLegacyProtocols()) {
      return policy.protocols();
    }
    logOnce("legacy " + policy.name(), "tls: policy " + policy.name().configName() + " on engine jdk offers "
        + "TLS 1.2 and up only until a restart: the JDK re-enables TLS 1.0 and 1.1 process-wide, at start-up");
    return policy.protocols().stream().filter(p -> !p.equals(V10) && !p.equals(V11)).toList();
  }

  private static void logOnce(String key, String line) {
    if (LOGGED.add(key)) {
      LOG.info(line);
    }
  }

  /** The policy's suites this engine has, in policy order; a missing one is logged once, never an error. */
  List<String> suites(TlsPolicy policy) {
    Set<String> supported = supportedSuites();
    for (String suite : policy.suites()) {
      if (!supported.contains(suite)) {
        logOnce(this + " " + suite, "tls: engine " + configName() + " lacks " + suite + "; left out");
      }
    }
    return policy.suites().stream().filter(supported::contains).toList();
  }

  /** The policy's suites this engine lacks, in policy order. */
  public List<String> missing(TlsPolicy policy) {
    Set<String> supported = supportedSuites();
    return policy.suites().stream().filter(s -> !supported.contains(s)).toList();
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
   * Vert.x's factory with the policy's suite order kept and, for an OpenSSL server context, session tickets
   * ({@link SessionTickets}) and, when its pair is RSA, the private key operations handed to {@link OpenSsl3Rsa}
   * (when it is available); a server context of a stapling certificate is built here with OCSP on and staples
   * ({@link StaplingContext}).
   */
  private static SslContextFactory ordered(SslContextFactory factory) {
    return new SslContextFactory() {
      private javax.net.ssl.KeyManagerFactory kmf;
      private javax.net.ssl.TrustManagerFactory tmf;
      private io.netty.handler.ssl.ClientAuth clientAuth;
      private Set<String> suites;
      private boolean alpn;
      private List<String> protocols;
      private boolean client;

      @Override
      public SslContextFactory useAlpn(boolean useAlpn) {
        factory.useAlpn(useAlpn);
        alpn = useAlpn;
        return this;
      }

      @Override
      public SslContextFactory clientAuth(io.netty.handler.ssl.ClientAuth clientAuth) {
        factory.clientAuth(clientAuth);
        this.clientAuth = clientAuth;
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
        this.tmf = tmf;
        return this;
      }

      @Override
      public SslContextFactory enabledCipherSuites(Set<String> suites) {
        this.suites = policyOrder(suites);
        factory.enabledCipherSuites(this.suites);
        return this;
      }

      @Override
      public SslContextFactory applicationProtocols(List<String> protocols) {
        factory.applicationProtocols(protocols);
        this.protocols = protocols;
        return this;
      }

      @Override
      public SslContextFactory serverName(String serverName) {
        factory.serverName(serverName);
        return this;
      }

      @Override
      public io.netty.handler.ssl.SslContext create() throws javax.net.ssl.SSLException {
        // a stapling listener's certificate: the context must have OCSP on, which Vert.x's factory cannot ask for
        OcspStaple staple = client ? null : StaplingContext.stapleFor(kmf);
        io.netty.handler.ssl.SslContext context = staple == null ? factory.create()
            : StaplingContext.build(kmf, tmf, clientAuth, suites, alpn ? protocols : null);
        if (!client && context instanceof io.netty.handler.ssl.ReferenceCountedOpenSslContext openssl) {
          io.netty.handler.ssl.OpenSslPrivateKeyMethod rsa = OpenSsl3Rsa.methodFor(kmf);
          if (rsa != null) {
            openssl.setPrivateKeyMethod(rsa);
          }
          SessionTickets.install(openssl, SessionScope.of(kmf, tmf, clientAuth));
        }
        return staple == null ? context : StaplingContext.stapling(context, staple);
      }
    };
  }

  private static final String JDK_SERVER_TICKETS = "jdk.tls.server.enableSessionTicketExtension";

  private static final class OrderedJdk extends JdkSSLEngineOptions {
    static {
      // No tickets on this engine: the JDK's own would be sealed with a key of each SSLContext, unknown to the other
      // nodes, and live 24 h. It reads this per server SSLContext, so setting it before the first one is in time;
      // session IDs still resume. An operator's -D wins.
      if (System.getProperty(JDK_SERVER_TICKETS) == null) {
        System.setProperty(JDK_SERVER_TICKETS, "false");
      }
    }

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
