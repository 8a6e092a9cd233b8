package io.gatehouse.tls;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The status document's {@code listeners[].tls.cipher_suites} is what a client can get, not the policy's list: a
 * listener with an RSA pair only never negotiates an ECDSA suite (nor one with an ECDSA pair an RSA suite), so it
 * does not list them. Each listed suite is checked with a real client, and so is each one left out.
 */
class OfferedSuitesTest {

  @Test
  void theStatusListsTheSuitesTheListenersKeyCanServe() {
    int rsa = TestPorts.free();
    int ec = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start("{" + head() + "\"listeners\":["
        + listener("rsa", rsa, TestCerts.RSA_CERT, TestCerts.RSA_KEY) + ","
        + listener("ec", ec, TestCerts.EC_CERT, TestCerts.EC_KEY) + "],"
        + "\"pools\":[{\"name\":\"p\",\"protocol\":\"HTTP\",\"members\":[]}]}")) {
      List<String> wrong = new ArrayList<>();
      wrong.addAll(check(suites(gw, "rsa"), rsa, "_ECDSA_"));
      wrong.addAll(check(suites(gw, "ec"), ec, "_RSA_"));
      assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }
  }

  /** Every listed suite is negotiated; every suite of the policy not listed is refused; none names the other key. */
  private static List<String> check(List<String> listed, int port, String otherKey) {
    List<String> wrong = new ArrayList<>();
    for (String suite : TlsPolicy.of(io.gatehouse.config.TlsPolicyName.TLS_1_2).suites()) {
      SClient.Result r = SClient.offer(port, "TLSv1.2", TlsPolicy.opensslName(suite));
      if (listed.contains(suite) == r.refused()) {
        wrong.add(port + " " + suite + (r.refused() ? ": listed, refused" : ": not listed, negotiated"));
      }
      if (listed.contains(suite) && suite.contains(otherKey)) {
        wrong.add(port + " " + suite + ": listed, but the listener has no such key");
      }
    }
    return wrong;
  }

  private static List<String> suites(GatewayHarness gw, String listener) {
    JsonObject l = gw.status().getJsonArray("listeners").stream().map(JsonObject.class::cast)
        .filter(o -> o.getString("name").equals(listener)).findFirst().orElseThrow();
    List<String> suites = l.getJsonObject("tls").getJsonArray("cipher_suites").stream().map(String::valueOf).toList();
    assertEquals(false, suites.isEmpty(), l.encode());
    return suites;
  }

  private static String listener(String name, int port, Path cert, Path key) {
    return """
        {"name":"%s","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
         "tls":{"certificate":"%s","private_key":"%s","security_policy":"tls-1-2"}}"""
        .formatted(name, port, cert, key);
  }
}
