package io.gatehouse.admin;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.HeadlessChromium;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's Drain / Enable / Clear override buttons in a real headless chromium on a real gateway: what an
 * operator clicks, checked in the page's DOM and in the status document read over HTTP. Skipped where no chromium
 * is installed.
 */
class DashboardMemberControlTest {

  private static final Duration SOON = Duration.ofSeconds(30);
  private static final String TOKEN = "s3cret";
  /** A pool name that must be percent-encoded in the URL and that would be markup if put into the DOM as HTML. */
  private static final String ODD_POOL = "a/<b>x</b> & c%";
  /** JavaScript helpers each expression starts with: a member's row, the last control call's outcome. */
  private static final String HELPERS = """
      const row = (pool, member) => {
        const s = [...document.querySelectorAll("#pools section")].find(x => x.dataset.pool === pool);
        return s && [...s.querySelectorAll("tr.member")].find(r => r.dataset.member === member);
      };
      const outcome = () => {
        const o = document.getElementById("control-result");
        return o.dataset.outcome === "ok" || o.dataset.outcome === "error"
            ? o.dataset.outcome + " " + o.dataset.status + " " + o.textContent : "";
      };
      """;

  @TempDir
  Path profile;
  private HeadlessChromium chromium;
  private Backends backends;
  /** A real TCP echo member of pool tp, behind listener {@link #port}. */
  private Backends.Member x;
  private String id;
  private int port;
  private GatewayHarness gw;

  @BeforeEach
  void start() {
    assumeTrue(HeadlessChromium.available(),
        "no browser: install Debian's chromium (apt-get install -y chromium) to run the dashboard test");
    chromium = new HeadlessChromium(profile);
    backends = new Backends();
    x = backends.tcpEcho("x");
    id = "127.0.0.1:" + x.port();
    port = TestPorts.free();
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    if (backends != null) { // null when the test was skipped (no browser)
      backends.close();
    }
  }

  /** Starts the gateway, with {@code token} as admin.token unless null, and opens its dashboard. */
  private HeadlessChromium.Page dashboard(String token) throws Exception {
    gw = GatewayHarness.start(config(token));
    return chromium.open("http://127.0.0.1:" + gw.gateway().adminPort() + "/");
  }

  private String config(String token) {
    String admin = token == null ? "" : "\"token\":" + Json.encode(token) + ",";
    return "{" + head().replace("\"admin\":{", "\"admin\":{" + admin) + """
        "listeners":[{"name":"front","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"tp"}],
        "pools":[{"name":"tp","protocol":"TCP","members":[{"address":"127.0.0.1","protocol_port":%d}]},
                 {"name":%s,"protocol":"TCP","members":[{"address":"::1","protocol_port":8082}]}]}
        """.formatted(port, x.port(), Json.encode(ODD_POOL));
  }

  /** What an operator does: types the token into the form the page shows after its first 401. */
  private static void enterToken(HeadlessChromium.Page page) {
    page.await("""
        (() => {
          if (document.getElementById("login").style.display !== "block") { return ""; }
          document.getElementById("token").value = %s;
          document.getElementById("login").requestSubmit();
          return "sent";
        })()""".formatted(Json.encode(TOKEN)), SOON);
  }

  private AdminClient admin(String token) {
    return new AdminClient(gw.gateway().adminPort(), token);
  }

  /** Clicks {@code action} in the row of {@code member} once the page shows it; returns the call's outcome. */
  private static String click(HeadlessChromium.Page page, String pool, String member, String action) {
    page.await("(() => {" + HELPERS + """
        const b = row(%s, %s)?.querySelector('button[data-action="%s"]');
        if (!b || b.disabled) { return ""; }
        b.click(); // runs the handler up to its fetch: the outcome is "pending" until this call answers
        return "clicked";
        })()""".formatted(Json.encode(pool), Json.encode(member), action), SOON);
    return page.await("(() => {" + HELPERS + "return outcome(); })()", SOON);
  }

  /**
   * Waits for the row of {@code member} to show {@code state} and an override cell starting with {@code override}
   * (the page polls, and a poll sent before a click may still draw the state before it); returns that cell.
   */
  private static String awaitRow(HeadlessChromium.Page page, String pool, String member, String state,
      String override) {
    return page.await("(() => {" + HELPERS + """
        const r = row(%s, %s);
        const shown = r && r.querySelector("td.override").textContent;
        return r && r.dataset.state === %s && shown.startsWith(%s) ? shown : "";
        })()""".formatted(Json.encode(pool), Json.encode(member), Json.encode(state), Json.encode(override)), SOON);
  }

  private static JsonObject member(AdminClient admin, String pool, int port) {
    for (Object p : admin.json("/api/v1/status").getJsonArray("pools")) {
      if (((JsonObject) p).getString("name").equals(pool)) {
        for (Object m : ((JsonObject) p).getJsonArray("members")) {
          if (((JsonObject) m).getInteger("protocol_port") == port) {
            return (JsonObject) m;
          }
        }
      }
    }
    throw new AssertionError("no member on port " + port + " in pool " + pool);
  }

  /**
   * No buttons before the token; with it, Drain puts the member DRAINING with an override (in the page and in the
   * status document), Enable brings it back, Clear override returns it to the file; an IPv6 member of a pool with
   * an awkward name is reached through its percent-encoded identity and its names are text, not markup.
   */
  @Test
  void withTheTokenTheButtonsDrainEnableAndClearARealMember() throws Exception {
    try (HeadlessChromium.Page page = dashboard(TOKEN); TcpClient open = TcpClient.connect(port)) {
      AdminClient admin = admin(TOKEN);
      assertEquals("x", open.readLine());
      assertEquals("0 buttons", page.await("""
          document.getElementById("login").style.display === "block"
            ? document.querySelectorAll("button[data-action]").length + " buttons" : ""
          """, SOON), "without the token the page asks for it and offers no buttons");
      enterToken(page);

      String drained = click(page, "tp", id, "drain");
      assertTrue(drained.startsWith("ok 200 drain " + id + " in pool tp: DRAINING"), drained);
      assertTrue(drained.contains("override DRAIN by 127.0.0.1 on test"), drained);
      JsonObject m = member(admin, "tp", x.port());
      assertEquals("DRAINING", m.getString("state"), m.encode());
      assertEquals("DRAIN", m.getJsonObject("override").getString("action"), m.encode());
      assertEquals(1, m.getJsonObject("drain").getInteger("connections"), m.encode());
      awaitRow(page, "tp", id, "DRAINING", "DRAIN by 127.0.0.1 on test at ");

      String enabled = click(page, "tp", id, "enable");
      assertTrue(enabled.startsWith("ok 200 enable " + id + " in pool tp: ACTIVE"), enabled);
      m = member(admin, "tp", x.port());
      assertEquals("ACTIVE", m.getString("state"), m.encode());
      assertEquals("ENABLE", m.getJsonObject("override").getString("action"), m.encode());
      awaitRow(page, "tp", id, "ACTIVE", "ENABLE by 127.0.0.1 on test at ");

      String cleared = click(page, "tp", id, "override");
      assertTrue(cleared.startsWith("ok 200 clear override of " + id + " in pool tp: ACTIVE"), cleared);
      assertTrue(cleared.endsWith("override none"), cleared);
      assertNull(member(admin, "tp", x.port()).getValue("override"));
      assertEquals("-", awaitRow(page, "tp", id, "ACTIVE", "-"));
      open.write("still open\n");
      assertEquals("still open", open.readLine(), "the tunnel through the member was never cut");

      String v6 = click(page, ODD_POOL, "[::1]:8082", "drain");
      assertTrue(v6.startsWith("ok 200 drain [::1]:8082 in pool " + ODD_POOL + ": DRAINING"), v6);
      assertEquals("DRAIN", member(admin, ODD_POOL, 8082).getJsonObject("override").getString("action"));
      assertEquals("text", page.await("""
          (() => {
            const s = [...document.querySelectorAll("#pools section")].find(x => x.dataset.pool === %s);
            return s && s.querySelector("b") === null && s.querySelector("h3").textContent.startsWith(%s)
              ? "text" : "";
          })()""".formatted(Json.encode(ODD_POOL), Json.encode(ODD_POOL)), SOON));
    }
  }

  /**
   * Where admin.token is not set the API is open on loopback, so the page offers the buttons at once, and its
   * calls pass the API's same-origin check (a page of another origin would get 403).
   */
  @Test
  void withoutAdminTokenTheButtonsShowAndTheirCallsAreSameOrigin() throws Exception {
    try (HeadlessChromium.Page page = dashboard(null)) {
      String drained = click(page, "tp", id, "drain");
      assertTrue(drained.startsWith("ok 200 drain " + id + " in pool tp: DRAINING"), drained);
      assertEquals("DRAINING", member(admin(null), "tp", x.port()).getString("state"));
      assertEquals("none", page.await("getComputedStyle(document.getElementById(\"login\")).display", SOON),
          "no token asked for");
    }
  }

  /**
   * A member the gateway does not have is a 404 shown with the API's reason; a token that is no longer valid is a
   * 401 that takes the buttons away and asks for the token again.
   */
  @Test
  void errorsAreShownClearly() throws Exception {
    try (HeadlessChromium.Page page = dashboard(TOKEN)) {
      enterToken(page);
      // the function the buttons call, on a member no row shows
      page.await("(() => { control(\"tp\", \"127.0.0.1:1\", \"drain\"); return \"called\"; })()", SOON);
      String missing = page.await("(() => {" + HELPERS + "return outcome(); })()", SOON);
      assertTrue(missing.startsWith("error 404 drain 127.0.0.1:1 in pool tp refused: 404 no such pool or member: "
          + "no member 127.0.0.1:1 in pool tp"), missing);
      assertEquals("rgb(179, 38, 30)", page.await(
          "getComputedStyle(document.getElementById(\"control-result\")).color", SOON), "errors in red");

      // as when a reload changed the token since the page last polled: the click's own call gets the 401
      String refused = page.await("(() => {" + HELPERS + """
          const b = row("tp", %s)?.querySelector('button[data-action="drain"]');
          if (b) {
            sessionStorage.setItem("gatehouse.admin.token", "outdated");
            b.click();
          }
          const o = outcome();
          return o.includes(" 401 ") && document.getElementById("login").style.display === "block"
            && document.querySelectorAll("button[data-action]").length === 0 ? o : "";
          })()""".formatted(Json.encode(id)), SOON);
      assertTrue(refused.startsWith("error 401 drain " + id + " in pool tp refused: 401 the token was refused"),
          refused);
      assertNull(member(admin(TOKEN), "tp", x.port()).getValue("override"), "nothing changed");
    }
  }
}
