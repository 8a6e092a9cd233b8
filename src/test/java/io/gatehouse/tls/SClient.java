package io.gatehouse.tls;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code openssl s_client} offering one suite at one protocol version, as testssl.sh does: the handshake's
 * protocol and suite (OpenSSL names), or a refusal. Each run is bounded by a timeout.
 */
public final class SClient {

  /** The session block's version: TLS 1.0-1.2 print it at once (TLS 1.3 only with a ticket, which may not come). */
  private static final Pattern PROTOCOL = Pattern.compile("^\\s*Protocol\\s*:\\s*(\\S+)", Pattern.MULTILINE);
  /** "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"; TLS 1.0 suites show their version there as SSLv3. */
  private static final Pattern NEW = Pattern.compile("^(New|Reused), (\\S+), Cipher is (\\S+)", Pattern.MULTILINE);
  private static final long TIMEOUT_SECONDS = 15;

  /** What one handshake settled on; {@code suite} is null when the server refused. */
  public record Result(String protocol, String suite, String output) {
    public boolean refused() {
      return suite == null;
    }

    /** Whether the handshake resumed an offered session (openssl's "Reused,"). */
    public boolean resumed() {
      return !refused() && output.contains("\nReused, ");
    }
  }

  private SClient() {}

  /** The installed version, or an AssertionError saying openssl is missing (CI's .ci/run installs it). */
  static String version() {
    try {
      return run(List.of("openssl", "version")).output().trim();
    } catch (AssertionError e) {
      throw new AssertionError("openssl is needed by the per-suite TLS tests and is not installed here "
          + "(apt-get install openssl): " + e.getMessage(), e);
    }
  }

  /**
   * Offers {@code suite} (an OpenSSL name, or a TLS 1.3 one) at {@code version} ({@code TLSv1} ... {@code TLSv1.3}).
   * TLS 1.0 and 1.1 get {@code @SECLEVEL=0}: OpenSSL 3 builds whose default security level is 2 refuse them
   * otherwise.
   */
  static Result offer(int port, String version, String suite) {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
        flag(version)));
    if (version.equals("TLSv1.3")) {
      cmd.addAll(List.of("-ciphersuites", suite));
    } else {
      boolean legacy = version.equals("TLSv1") || version.equals("TLSv1.1");
      cmd.addAll(List.of("-cipher", legacy ? suite + ":@SECLEVEL=0" : suite));
    }
    return run(cmd);
  }

  /**
   * A handshake that asks for a stapled OCSP response ({@code -status}), sending {@code serverName} as SNI when
   * not null, and {@code more} options; the output holds "OCSP response: no response sent" or the response's text.
   */
  static Result askingForStaple(int port, String serverName, String... more) {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-status"));
    cmd.addAll(List.of(more));
    if (serverName != null) {
      cmd.addAll(List.of("-servername", serverName));
    }
    return run(cmd);
  }

  private static String flag(String version) {
    return switch (version) {
      case "TLSv1" -> "-tls1";
      case "TLSv1.1" -> "-tls1_1";
      case "TLSv1.2" -> "-tls1_2";
      case "TLSv1.3" -> "-tls1_3";
      default -> throw new IllegalArgumentException(version);
    };
  }

  /**
   * A handshake at {@code version} that sends {@code request} (a file: an HTTP request ending in Connection: close,
   * so that the session's tickets arrive before the server closes) and saves the session to {@code session}, or,
   * with {@code resume}, offers the saved one first. Whether it resumed: {@link Result#resumed()}.
   */
  public static Result withSession(int port, String version, java.nio.file.Path session, boolean resume,
      java.nio.file.Path request) {
    return run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, flag(version), "-ign_eof",
        resume ? "-sess_in" : "-sess_out", session.toString()), request.toFile());
  }

  /**
   * Whether a TLS 1.3 handshake that sends nothing gets its session ticket within {@code millis}: openssl writes
   * {@code session} when one arrives. The client's stdin stays open, so it neither sends nor closes meanwhile.
   */
  public static boolean ticketWithoutRequest(int port, java.nio.file.Path session, long millis) throws IOException {
    Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-tls1_3", "-sess_out",
        session.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      long end = System.nanoTime() + millis * 1_000_000;
      while (System.nanoTime() < end) {
        if (java.nio.file.Files.exists(session) && java.nio.file.Files.size(session) > 0) {
          return true;
        }
        Thread.sleep(20); // polling a file the process writes, against a deadline
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      p.destroyForcibly();
    }
  }

  private static Result run(List<String> cmd) {
    return run(cmd, new File("/dev/null"));
  }

  private static Result run(List<String> cmd, File input) {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(input).start();
    } catch (IOException e) {
      throw new AssertionError("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
    }
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + ": no answer within " + TIMEOUT_SECONDS + " s");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Matcher fresh = NEW.matcher(out);
      if (!fresh.find() || fresh.group(3).equals("(NONE)")) {
        return new Result(null, null, out);
      }
      Matcher protocol = PROTOCOL.matcher(out);
      return new Result(protocol.find() ? protocol.group(1) : fresh.group(2), fresh.group(3), out);
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new AssertionError("interrupted");
    }
  }
}
