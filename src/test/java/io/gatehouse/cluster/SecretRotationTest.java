package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.Gateway;
import io.gatehouse.http.MemberChoice;
import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rolling rotation of the README on three in-JVM nodes, one reload at a time, a client's HTTP_COOKIE and
 * APP_COOKIE sessions sent through every node after each: add the new secret to the accept lists, make it the
 * secret, drop the old one. No request changes member; a node that only ever knew the new secret then holds the
 * sessions the old secret sealed.
 */
class SecretRotationTest {

  private static final Duration SOON = Duration.ofSeconds(10);
  private static final int NODES = 3;

  @TempDir
  Path dir;

  private final int[][] ports = new int[NODES + 1][2];
  private Backends.Member[] web;
  private String cookie;

  @Test
  void aRollingRotationLosesNoSessionAndLeavesNothingOnlyTheOldSecretOpens() throws IOException {
    Path oldSecret = secret("old.secret", "0ld-rotation-secret-0123456789abcdef");
    Path newSecret = secret("new.secret", "n3w-rotation-secret-0123456789abcdef");
    String[] steps = {
        cluster(oldSecret, newSecret), // the new secret opens and verifies everywhere
        cluster(newSecret, oldSecret), // it seals and signs; the old one still opens and verifies
        cluster(newSecret, null)};      // the old one dropped
    try (Backends backends = new Backends(); ClusterNodes cluster = new ClusterNodes(NODES + 1)) {
      web = new Backends.Member[] {backends.http("w1"), backends.http("w2"), backends.http("w3")};
      Gateway[] nodes = new Gateway[NODES];
      for (int i = 0; i < NODES; i++) {
        nodes[i] = cluster.start(i, config(i, cluster(oldSecret, null)));
      }
      Await.until(SOON, () -> nodes[2].runtime().view().cluster().size() == NODES, "three nodes");

      RawHttp.Response first = get(ports[0][0], "/who", null);
      cookie = first.header("Set-Cookie").split(";")[0];
      String cookieMember = first.header("X-Member");
      String appMember = get(ports[0][1], "/set/sid/s-42", null).header("X-Member");
      Await.until(SOON, () -> appMember.equals(memberOf(nodes[2], "s-42")), "every node learned s-42");

      for (String step : steps) {
        for (int i = 0; i < NODES; i++) {
          ReloadOutcome r = cluster.reload(nodes[i], config(i, step));
          assertEquals(List.of(), r.errors());
          assertTrue(r.changed(), "a new secret is a change although the digest blanks it");
          for (int via = 0; via < NODES; via++) {
            assertEquals(cookieMember, viaCookie(via), "HTTP_COOKIE through node " + via + " after reload " + i);
            assertEquals(appMember, get(ports[via][1], "/who", "sid=s-42").header("X-Member"),
                "APP_COOKIE through node " + via);
          }
        }
      }
      // the cookie the client holds now is signed by the new secret: it stays as it is
      assertNull(get(ports[1][0], "/who", cookie).header("Set-Cookie"));

      // what the old secret sealed was sealed again under the new one by its owner during the rotation
      Gateway fresh = cluster.start(NODES, config(NODES, cluster(newSecret, null)));
      assertEquals(appMember, memberOf(fresh, "s-42"), "the session learned under the old secret");
      assertEquals(appMember, get(ports[NODES][1], "/who", "sid=s-42").header("X-Member"));
      assertEquals(cookieMember, viaCookie(NODES));
    }
  }

  /** One HTTP_COOKIE request through node {@code via}, keeping the cookie a response sets; the member answering. */
  private String viaCookie(int via) {
    RawHttp.Response r = get(ports[via][0], "/who", cookie);
    String set = r.header("Set-Cookie");
    if (set != null) {
      cookie = set.split(";")[0];
    }
    return r.header("X-Member");
  }

  /** The name of the member node {@code g}'s APP_COOKIE table holds for {@code appCookie}, or null. */
  private String memberOf(Gateway g, String appCookie) {
    String id = g.runtime().view().pool("app").sticky().lookup(MemberChoice.appKey(appCookie));
    for (int k = 0; k < web.length; k++) {
      if (("127.0.0.1:" + web[k].port()).equals(id)) {
        return "w" + (k + 1);
      }
    }
    return null;
  }

  private Path secret(String name, String value) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, value + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  private static String cluster(Path secret, Path accepted) {
    return "{\"secret_file\":\"" + secret + "\""
        + (accepted == null ? "" : ",\"accept_secret_files\":[\"" + accepted + "\"]") + "}";
  }

  /** Node {@code i}: an HTTP_COOKIE and an APP_COOKIE listener and pool, the {@code cluster} object given. */
  private String config(int i, String clusterObject) {
    if (ports[i][0] == 0) {
      ports[i] = new int[] {TestPorts.free(), TestPorts.free()};
    }
    return "{\"node\":{\"name\":\"rot-" + i + "\",\"event_loops\":1},\"admin\":{\"port\":" + TestPorts.free() + "},"
        + "\"cluster\":" + clusterObject + ","
        + "\"reload\":{\"scan_period_ms\":0},\"drain_timeout\":1,\"access_log\":false,\"listeners\":["
        + listener("cookie-web", ports[i][0], "cookie") + "," + listener("app-web", ports[i][1], "app") + "],"
        + "\"pools\":["
        + pool("cookie", "{\"type\":\"HTTP_COOKIE\"}") + ","
        + pool("app", "{\"type\":\"APP_COOKIE\",\"cookie_name\":\"sid\"}") + "]}";
  }

  private static String listener(String name, int port, String pool) {
    return "{\"name\":\"" + name + "\",\"protocol\":\"HTTP\",\"host\":\"127.0.0.1\",\"protocol_port\":" + port
        + ",\"default_pool\":\"" + pool + "\"}";
  }

  private String pool(String name, String persistence) {
    return "{\"name\":\"" + name + "\",\"protocol\":\"HTTP\",\"session_persistence\":" + persistence
        + ",\"members\":" + Configs.members(web) + "}";
  }

  private static RawHttp.Response get(int port, String path, String cookie) {
    try (RawHttp http = new RawHttp(port)) {
      return http.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n"
          + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "Connection: close\r\n\r\n").read();
    }
  }
}
