package io.gatehouse.tls;

import io.gatehouse.pem.Pem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.config.TlsPolicyName;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestVertx;
import io.vertx.core.Vertx;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** A served certificate replaced on disk: new handshakes get it, open connections keep theirs, bad files are kept out. */
class CertificateWatcherTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private final Queue<ServerTls> changes = new ConcurrentLinkedQueue<>();
  private final Queue<String> errors = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() {
    vertx = TestVertx.create();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void replacedCertificateServesNewHandshakesOnly(TlsEngine engine) throws Exception {
    TlsConfig config = rsaCopies();
    Path cert = config.main().certificate();
    Path key = config.main().privateKey();
    try (TlsServer server = TlsServer.start(vertx, config, engine)) {
      watch(config, engine, server);
      assertTrue(Instant.parse("2126-01-01T00:00:00Z")
          .isBefore(ServerTls.load(config, Duration.ofSeconds(10), engine).certificates().get(0).notAfter()));

      try (SSLSocket open = TlsClient.of("TLSv1.2").open(server.port())) {
        open.startHandshake();
        assertEquals(leaf(TestCerts.RSA_CERT), open.getSession().getPeerCertificates()[0]);

        replace(key, TestCerts.EC_KEY);
        replace(cert, TestCerts.EC_CERT);
        // between the two moves the pair mismatches: that may be reported, then the good pair is taken
        awaitTrue(() -> {
          try {
            return leaf(TestCerts.EC_CERT).equals(TlsClient.of("TLSv1.2").handshake(server.port()).serverCert());
          } catch (Exception e) {
            return false;
          }
        });

        // the connection opened before the change still works, with its old certificate
        OutputStream out = open.getOutputStream();
        out.write('y');
        out.flush();
        assertEquals('y', open.getInputStream().read());
        assertEquals(leaf(TestCerts.RSA_CERT), open.getSession().getPeerCertificates()[0]);
      }
      ServedCertificate served = changes.stream().reduce((a, b) -> b).orElseThrow().certificates().get(0);
      assertEquals(cert, served.file());
      assertEquals(leaf(TestCerts.EC_CERT).getNotAfter().toInstant(), served.notAfter());
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void brokenReplacementKeepsTheOldCertificate(TlsEngine engine) throws Exception {
    TlsConfig config = rsaCopies();
    Path cert = config.main().certificate();
    Path key = config.main().privateKey();
    try (TlsServer server = TlsServer.start(vertx, config, engine)) {
      watch(config, engine, server);
      replace(cert, TestCerts.API_CERT); // does not match server.key
      awaitTrue(() -> !errors.isEmpty());
      assertTrue(errors.peek().contains("private key does not match the certificate"), errors.peek());
      assertTrue(changes.isEmpty());
      assertEquals(leaf(TestCerts.RSA_CERT), TlsClient.of("TLSv1.2").handshake(server.port()).serverCert());

      // fixing the file is picked up
      replace(key, TestCerts.API_KEY);
      awaitTrue(() -> !changes.isEmpty());
      assertEquals(leaf(TestCerts.API_CERT), TlsClient.of("TLSv1.2").handshake(server.port()).serverCert());
    }
  }

  private CertificateWatcher watch(TlsConfig config, TlsEngine engine, TlsServer server) throws Exception {
    CertificateWatcher watcher = new CertificateWatcher(vertx, "test", config, Duration.ofSeconds(10), engine,
        new CertificateWatcher.Changes() {
          @Override
          public void loaded(ServerTls next, List<Path> changed) {
            // counted once the server serves it: the update is asynchronous, and a handshake right after the
            // count must see the new pair
            server.server().updateSSLOptions(next.sslOptions(), true).onComplete(done -> changes.add(next));
          }

          @Override
          public void refused(String problem, List<Path> changed) {
            errors.add(problem);
          }
        });
    watcher.start(Duration.ofMillis(50)).await(10, TimeUnit.SECONDS);
    return watcher;
  }

  /** The RSA pair, copied to files the test may replace. */
  private TlsConfig rsaCopies() throws Exception {
    Path cert = Files.copy(TestCerts.RSA_CERT, dir.resolve("server.crt"));
    Path key = Files.copy(TestCerts.RSA_KEY, dir.resolve("server.key"));
    return TlsServer.config(cert, key, List.of(), TlsPolicyName.TLS_1_2, null);
  }

  /** Replaces a file in one step, as a deployment tool would. */
  private void replace(Path target, Path from) throws Exception {
    Path tmp = Files.copy(from, dir.resolve(target.getFileName() + ".tmp"), StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static X509Certificate leaf(Path file) throws Exception {
    return Pem.certificates(Files.readAllBytes(file)).get(0);
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }
}
