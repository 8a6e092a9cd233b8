package io.gatehouse;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.testkit.CommandRun;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.tls.TlsEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --check} names what a policy loses on its engine, the HTTPS pools whose members are not verified, and CA files
 * that will not verify what their operator expects.
 */
class CheckCommandTest {

  @Test
  void warnsAboutLostSuitesAndUnverifiedMembers(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("gatehouse.json");
    Files.writeString(config, "{" + head() + """
        "listeners":[
          {"name":"default","protocol":"HTTPS","host":"127.0.0.1","protocol_port":8443,"default_pool":"p",
           "tls":{"certificate":"%1$s","private_key":"%2$s"}},
          {"name":"modern","protocol":"HTTPS","host":"127.0.0.1","protocol_port":8444,"default_pool":"p",
           "tls":{"certificate":"%1$s","private_key":"%2$s","security_policy":"tls-1-3","engine":"jdk"}}],
        "pools":[{"name":"p","protocol":"HTTPS","members":[]}]}
        """.formatted(TestCerts.RSA_CERT, TestCerts.RSA_KEY));
    List<String> lines = check(config);

    assertTrue(lines.contains("config warning: $.pools[0]: HTTPS pool without ca_certificate: any member certificate "
        + "is accepted, so whoever can intercept the path to a member can read and change its traffic"),
        lines.toString());
    assertTrue(lines.contains("config warning: $.listeners[1].tls.engine: policy tls-1-3 loses 2 of its 5 suites on "
        + "engine jdk: TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256 (no engine has them)"), lines.toString());
    String boringssl = "config warning: $.listeners[0].tls.engine: policy tls-1-2 loses 6 of its 18 suites on engine "
        + "boringssl: ECDHE-ECDSA-AES128-SHA256, ECDHE-ECDSA-AES256-SHA384, ECDHE-RSA-AES128-SHA256, AES128-SHA256, "
        + "AES256-SHA256, ECDHE-RSA-AES256-SHA384 (engine jdk serves 6 of them)";
    // where -Dgatehouse.tls.engine=jdk forces the JDK's engine (or BoringSSL is missing), tls-1-2 loses nothing
    boolean onBoringSsl = TlsEngine.of(TlsConfig.Engine.BORINGSSL) == TlsEngine.OPENSSL;
    assertEquals(onBoringSsl, lines.contains(boringssl), lines.toString());
    assertEquals("configuration ok: 2 listeners, 1 pools", lines.get(lines.size() - 1));
  }

  @Test
  void warnsAboutACaFileThatWillNotVerifyWhatTheOperatorExpects(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("gatehouse.json");
    // an expired leaf, not a CA: both surprises of one file
    Files.writeString(config, "{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":8080,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"HTTPS","ca_certificate":"%s","members":[]}]}
        """.formatted(TestCerts.DIR.resolve("expired-server.crt")));
    List<String> lines = check(config);

    assertTrue(lines.contains("config warning: $.pools[0].ca_certificate: CN=localhost expired on 2021-01-01T00:00:00Z: "
        + "members it signed fail verification"), lines.toString());
    assertTrue(lines.contains("config warning: $.pools[0].ca_certificate: CN=localhost is not a CA certificate: only a "
        + "member presenting this very certificate is trusted"), lines.toString());
    assertEquals("configuration ok: 1 listeners, 1 pools", lines.get(lines.size() - 1));
  }

  private static List<String> check(Path config) {
    CommandRun run = CommandRun.of("--check", "--config", config.toString());
    assertEquals(0, run.exitCode(), run::toString);
    return run.out();
  }
}
