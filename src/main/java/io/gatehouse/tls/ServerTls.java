package io.gatehouse.tls;

import io.gatehouse.pem.BadPem;
import io.gatehouse.pem.CertKey;
import io.gatehouse.config.TlsConfig;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.buffer.Buffer;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A listener's TLS server settings, shared by the SSL listener (NetServer) and the HTTPS listener (HttpServer,
 * whose options extend NetServerOptions): engine, key pairs with SNI, the policy's protocols and suites, client
 * authentication, handshake timeout ({@code client_timeout}).
 */
public final class ServerTls {

  private final TlsEngine engine;
  private final List<String> protocols;
  private final List<String> suites;
  private final List<String> offered;
  private final ServerSSLOptions ssl;
  private final List<ServedCertificate> certificates;
  /** The settings these were made from: what a QUIC listener builds its own TLS from. */
  private final TlsConfig config;

  private ServerTls(TlsEngine engine, TlsPolicy policy, TlsConfig config, TlsFiles files, Duration handshakeTimeout) {
    this.engine = engine;
    this.protocols = engine.protocols(policy);
    this.suites = engine.suites(policy);
    List<ServedCertificate> served = new ArrayList<>();
    List<OcspStaple> staples = new ArrayList<>();
    List<CertKey> pairs = new ArrayList<>(List.of(files.main()));
    pairs.addAll(files.sni());
    List<TlsConfig.CertPair> paths = new ArrayList<>(List.of(config.main()));
    paths.addAll(config.sniCertificates());
    for (int i = 0; i < pairs.size(); i++) {
      CertKey pair = pairs.get(i);
      OcspStaple staple = config.ocspStapling() ? OcspStaple.of(pair.chain(), config.ocspResponder(),
          engine == TlsEngine.OPENSSL ? null : "not stapled: engine jdk is in use, which cannot staple") : null;
      staples.add(staple);
      served.add(new ServedCertificate(paths.get(i).certificate(), paths.get(i).privateKey(), pair.names(),
          pair.notAfter(), staple));
    }
    this.certificates = List.copyOf(served);
    this.config = config;
    Set<String> keys = new HashSet<>();
    keys.add(files.main().key().getAlgorithm());
    files.sni().forEach(pair -> keys.add(pair.key().getAlgorithm()));
    this.offered = suites.stream().filter(suite -> signableWith(suite, keys)).toList();
    this.ssl = new ServerSSLOptions()
        .setKeyCertOptions(new SniKeyCertOptions(files.main(), files.sni(), engine, staples))
        // even with one pair: Vert.x fixes a server's use of SNI when it binds, and a reload may add pairs
        .setSni(true)
        .setEnabledSecureTransportProtocols(new LinkedHashSet<>(protocols))
        .setSslHandshakeTimeout(handshakeTimeout.toMillis())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    suites.forEach(ssl::addEnabledCipherSuite);
    if (!files.clientCa().isEmpty()) {
      PemTrustOptions trust = new PemTrustOptions();
      files.clientCa().forEach(ca -> trust.addCertValue(pem(ca)));
      ssl.setTrustOptions(trust).setClientAuth(ClientAuth.REQUIRED);
    }
  }

  /** Reads and checks the listener's files (blocking: at start-up) for the engine of its {@code tls.engine}. */
  public static ServerTls load(TlsConfig tls, Duration handshakeTimeout) throws IllegalArgumentException {
    return load(tls, handshakeTimeout, TlsEngine.of(tls.engine()));
  }

  static ServerTls load(TlsConfig tls, Duration handshakeTimeout, TlsEngine engine) {
    try {
      return of(tls, TlsFiles.read(tls), handshakeTimeout, engine);
    } catch (BadPem e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  static ServerTls of(TlsConfig tls, TlsFiles files, Duration handshakeTimeout, TlsEngine engine) {
    return new ServerTls(engine, TlsPolicy.of(tls.securityPolicy()), tls, files, handshakeTimeout);
  }

  /** See {@link TlsEngine#prepareJdk}; the gateway calls it once at start-up with every listener's tls. */
  public static void prepareJdk(Collection<TlsConfig> listeners) {
    TlsEngine.prepareJdk(listeners);
  }

  /** Turns TLS on in server options at start (HttpServerOptions included). */
  public <T extends NetServerOptions> T applyTo(T options) {
    options.setSsl(true)
        .setSslEngineOptions(engine.options())
        .setSni(ssl.isSni())
        .setClientAuth(ssl.getClientAuth())
        .setKeyCertOptions(ssl.getKeyCertOptions())
        .setTrustOptions(ssl.getTrustOptions())
        .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
        .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
        .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit());
    suites.forEach(options::addEnabledCipherSuite);
    return options;
  }

  /** Options for {@code server.updateSSLOptions(options, true)} when the files change. */
  public ServerSSLOptions sslOptions() {
    return ssl.copy();
  }

  /** The main certificate, then the SNI ones in configuration order. */
  public TlsConfig config() {
    return config;
  }

  public List<ServedCertificate> certificates() {
    return certificates;
  }

  public TlsEngine engine() {
    return engine;
  }

  /** The policy's protocol versions this engine offers (see {@link TlsEngine#protocols}). */
  public List<String> protocols() {
    return protocols;
  }

  /** The policy's suites this engine offers, in server preference order. */
  public List<String> suites() {
    return suites;
  }

  /**
   * Of {@link #suites()}, those a client can get from the served key pairs, as the status document shows them: a
   * TLS 1.2 suite names the key that signs (ECDSA suites need an EC pair, RSA ones an RSA pair), so a listener with
   * RSA pairs only never negotiates an ECDSA suite; TLS 1.3 suites work with either.
   */
  public List<String> offeredSuites() {
    return offered;
  }

  private static boolean signableWith(String suite, Set<String> keyAlgorithms) {
    if (suite.contains("_ECDSA_")) {
      return keyAlgorithms.contains("EC");
    }
    if (suite.contains("_RSA_")) {
      return keyAlgorithms.contains("RSA");
    }
    return true;
  }

  private static Buffer pem(X509Certificate cert) {
    try {
      String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(cert.getEncoded());
      return Buffer.buffer("-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n");
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
