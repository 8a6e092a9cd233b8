package io.gatehouse.admin;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The member override routes through a real admin server: answers, the member identity in its spellings, the
 * status document's member fields, and an override's life across reloads.
 */
class MemberControlTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  private static final String TOKEN = "control-token";
  private static final String V4 = "/api/v1/pools/p/members/127.0.0.1:8081";
  private static final String V6 = "/api/v1/pools/p/members/[::1]:8082";

  GatewayHarness gw;
  AdminClient admin;
  int port;

  @BeforeEach
  void start() {
    port = TestPorts.free();
    gw = gateway.start(config(members(true)));
    admin = new AdminClient(gw.gateway().adminPort(), TOKEN);
  }

  private String config(String members) {
    return "{" + head().replace("\"admin\":{", "\"admin\":{\"token\":\"" + TOKEN + "\",") + """
        "listeners":[{"name":"l","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"TCP","deregistration_delay":30,"members":%s},
                 {"name":"q","protocol":"TCP","members":[]}]}""".formatted(port, members);
  }

  private static String members(boolean withV4) {
    return "[" + (withV4 ? "{\"address\":\"127.0.0.1\",\"protocol_port\":8081,\"weight\":3}," : "")
        + "{\"address\":\"0:0:0:0:0:0:0:1\",\"protocol_port\":8082,\"admin_state_up\":false}]";
  }

  private JsonObject ok(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private JsonObject statusOf(int memberPort) {
    for (Object o : admin.json("/api/v1/status").getJsonArray("pools").getJsonObject(0).getJsonArray("members")) {
      if (((JsonObject) o).getInteger("protocol_port") == memberPort) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no member on port " + memberPort);
  }

  @Test
  void drainEnableWeightAndClearAnswerWithTheMembersNewState() {
    JsonObject before = statusOf(8081);
    assertEquals("ACTIVE", before.getString("state"));
    assertNull(before.getValue("drain"));
    assertNull(before.getValue("override"));

    JsonObject drained = ok(admin.post(V4 + "/drain"));
    assertEquals("DRAINING", drained.getString("state"));
    assertFalse(drained.getBoolean("usable"));
    assertFalse(drained.getBoolean("admin_state_up"));
    assertEquals(0, drained.getJsonObject("drain").getInteger("connections"));
    assertTrue(drained.getJsonObject("drain").getString("ends_at").endsWith("Z"), drained.encode());
    JsonObject o = drained.getJsonObject("override");
    assertEquals("DRAIN", o.getString("action"));
    assertEquals("127.0.0.1", o.getString("by"));
    assertEquals("test", o.getString("node"));
    assertNull(o.getValue("weight"));
    assertEquals(drained.getJsonObject("override"), statusOf(8081).getJsonObject("override"), "the status agrees");

    JsonObject enabled = ok(admin.post(V4 + "/enable"));
    assertEquals("ACTIVE", enabled.getString("state"));
    assertTrue(enabled.getBoolean("usable"));
    assertNull(enabled.getValue("drain"));

    JsonObject weighed = ok(admin.post(V4 + "/weight", "{\"weight\": 7}"));
    assertEquals(7, weighed.getInteger("weight"));
    assertEquals("WEIGHT", weighed.getJsonObject("override").getString("action"));
    assertEquals(7, weighed.getJsonObject("override").getInteger("weight"));
    assertEquals(7, statusOf(8081).getInteger("weight"));

    JsonObject cleared = ok(admin.call("DELETE", V4 + "/override"));
    assertNull(cleared.getValue("override"));
    assertEquals(3, cleared.getInteger("weight"), "back to the file's weight");
  }

  @Test
  void theMemberIsNamedByItsIdentityInAnySpelling() {
    assertEquals(8081, ok(admin.post("/api/v1/pools/p/members/127.0.0.1%3A8081/drain")).getInteger("protocol_port"),
        "a percent-encoded colon");
    try (RawHttp raw = new RawHttp(gw.gateway().adminPort())) {
      // as curl -g sends it: brackets and colons as they are (java.net.URI refuses brackets in a path)
      RawHttp.Response r = raw.send("POST " + V6 + "/enable HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + TOKEN + "\r\nContent-Length: 0\r\n\r\n").read();
      assertEquals(200, r.status(), r.body());
      assertEquals(8082, new JsonObject(r.body()).getInteger("protocol_port"), "[v6]:port, any spelling of ::1");
    }
    assertEquals("ACTIVE", statusOf(8082).getString("state"), "enable overrides admin_state_up false");
    assertEquals(8082, ok(admin.post("/api/v1/pools/p/members/%5B0%3A%3A1%5D%3A8082/drain"))
        .getInteger("protocol_port"), "brackets and colons percent-encoded");
    assertEquals("DRAINING", statusOf(8082).getString("state"));
  }

  @Test
  void unknownPoolsAndMembersAre404BadBodies400NoToken401() {
    assertEquals(404, admin.post("/api/v1/pools/nope/members/127.0.0.1:8081/drain").statusCode());
    assertEquals(404, admin.post("/api/v1/pools/q/members/127.0.0.1:8081/drain").statusCode(), "not in that pool");
    assertEquals(404, admin.post("/api/v1/pools/p/members/127.0.0.1:9999/drain").statusCode());
    assertEquals(404, admin.post("/api/v1/pools/p/members/127.0.0.1/drain").statusCode(), "no port");
    assertEquals(404, admin.call("DELETE", "/api/v1/pools/p/members/10.0.0.1:8081/override").statusCode());
    for (String bad : new String[] {"", "not json", "[7]", "{}", "{\"weight\": \"7\"}", "{\"weight\": 101}",
        "{\"weight\": -1}", "{\"weight\": 1.5}"}) {
      HttpResponse<String> r = admin.post(V4 + "/weight", bad);
      assertEquals(400, r.statusCode(), bad + ": " + r.body());
      assertTrue(r.body().contains("weight"), "the answer names the problem: " + r.body());
    }
    assertNull(statusOf(8081).getValue("override"), "a refused body changes nothing");
    AdminClient anonymous = new AdminClient(gw.gateway().adminPort(), null);
    assertEquals(401, anonymous.post(V4 + "/drain").statusCode());
    assertEquals(401, anonymous.call("DELETE", V4 + "/override").statusCode());
    try (RawHttp raw = new RawHttp(gw.gateway().adminPort())) {
      RawHttp.Response r = raw.send("POST " + V4 + "/drain HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + TOKEN + "\r\nOrigin: http://evil.example\r\nContent-Length: 0\r\n\r\n").read();
      assertEquals(403, r.status(), "a cross-origin change is refused as for reload: " + r.body());
    }
    assertEquals("ACTIVE", statusOf(8081).getString("state"));
  }

  @Test
  void anOverrideSurvivesReloadsAndIsClearedWhenTheMemberLeaves() {
    ok(admin.post(V4 + "/weight", "{\"weight\": 9}"));
    gw.rewrite(config(members(true)).replace("\"deregistration_delay\":30", "\"deregistration_delay\":20"));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertEquals(9, statusOf(8081).getInteger("weight"), "kept by a reload that keeps the member");
    assertEquals("WEIGHT", statusOf(8081).getJsonObject("override").getString("action"));

    gw.rewrite(config(members(false)));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertEquals(404, admin.post(V4 + "/drain").statusCode(), "a removed member is not controlled");
    gw.rewrite(config(members(true)));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    JsonObject back = statusOf(8081);
    assertNull(back.getValue("override"), "the override went with the member: " + back);
    assertEquals(3, back.getInteger("weight"));
    assertEquals("ACTIVE", back.getString("state"));
  }
}
