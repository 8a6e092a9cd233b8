package io.gatehouse.tls;

import io.gatehouse.testkit.Await;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away CA made with the openssl command in a test's folder, its leaf certificates (EC P-256, each with
 * the AIA OCSP URL of {@link #responderPort}, or without), and {@code openssl ocsp} answering for them as a
 * separate process on that port, signing with the CA key. Closing stops the responder (by its process).
 */
final class OcspTestCa implements AutoCloseable {

  /** A leaf: its chain file (leaf, then the CA), the leaf alone, its key and its serial in hex. */
  record Leaf(Path chain, Path certificate, Path key, String serial) {}

  private final Path dir;
  private final int responderPort;
  private final List<String> index = new ArrayList<>();
  private Process responder;
  private int serial = 0x1000;

  private OcspTestCa(Path dir, int responderPort) {
    this.dir = dir;
    this.responderPort = responderPort;
  }

  static OcspTestCa create(Path dir, int responderPort) {
    OcspTestCa ca = new OcspTestCa(dir, responderPort);
    ca.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=Gatehouse OCSP Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature");
    return ca;
  }

  int responderPort() {
    return responderPort;
  }

  Path caCertificate() {
    return dir.resolve("ca.crt");
  }

  /** A leaf for {@code name}, listed in the responder's index as good or revoked; {@code aia}: name the responder. */
  Leaf leaf(String name, boolean revoked, boolean aia) {
    String hex = Integer.toHexString(++serial).toUpperCase();
    String base = name.replace('*', '_') + "-" + hex;
    write(base + ".ext", "subjectAltName=DNS:" + name + ",IP:127.0.0.1\n"
        + (aia ? "authorityInfoAccess=OCSP;URI:http://127.0.0.1:" + responderPort + "/\n" : ""));
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + name);
    openssl("x509", "-req", "-in", base + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", "0x" + hex,
        "-days", "20", "-out", base + ".crt", "-extfile", base + ".ext");
    try {
      Path chain = dir.resolve(base + "-chain.crt");
      Files.writeString(chain, Files.readString(dir.resolve(base + ".crt")) + Files.readString(caCertificate()));
      // index.txt: status, expiry, revocation time, serial, file, subject (tab-separated, as openssl ca keeps it)
      index.add(String.join("\t", revoked ? "R" : "V", "491231235959Z", revoked ? "260101000000Z" : "", hex,
          "unknown", "/CN=" + name));
      return new Leaf(chain, dir.resolve(base + ".crt"), dir.resolve(base + ".key"), hex);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Starts {@code openssl ocsp} over the leaves made so far; its responses are valid for 10 minutes. */
  void startResponder() {
    write("index.txt", String.join("\n", index) + "\n");
    try {
      responder = new ProcessBuilder("openssl", "ocsp", "-index", "index.txt", "-port", String.valueOf(responderPort),
          "-rsigner", "ca.crt", "-rkey", "ca.key", "-CA", "ca.crt", "-nmin", "10", "-ignore_err")
          .directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("responder.log").toFile()).redirectInput(new File("/dev/null")).start();
    } catch (IOException e) {
      throw new AssertionError("cannot run openssl ocsp: " + e.getMessage(), e);
    }
    Await.until(Duration.ofSeconds(10), this::listening, () -> "openssl ocsp is not listening on " + responderPort
        + ": " + log());
  }

  void stopResponder() {
    if (responder != null) {
      responder.destroy();
      try {
        if (!responder.waitFor(5, TimeUnit.SECONDS)) {
          responder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      responder = null;
    }
  }

  /** What the responder printed. */
  String log() {
    try {
      Path log = dir.resolve("responder.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Override
  public void close() {
    stopResponder();
  }

  /**
   * What it prints once bound. Not a test connection: openssl ocsp 3.0 spins on a connection closed before a
   * request, answering nothing more.
   */
  private boolean listening() {
    if (!responder.isAlive()) {
      throw new AssertionError("openssl ocsp exited: " + log());
    }
    return log().contains("waiting for OCSP client connections");
  }

  private void write(String file, String text) {
    try {
      Files.writeString(dir.resolve(file), text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private void openssl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectInput(new File("/dev/null")).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run openssl: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
