package io.gatehouse.admin;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real headless browser (Debian's chromium): the page must fetch the status document and
 * draw a row per member. Skipped where no chromium is installed; {@code .ci/run} installs it.
 */
class DashboardBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @TempDir
  Path profile;

  @Test
  void thePageShowsListenersPoolsAndMembers() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM),
        "no browser: install Debian's chromium (apt-get install -y chromium) to run the dashboard test");
    try (Backends backends = new Backends()) {
      Backends.Member x = backends.tcpEcho("x");
      int port = TestPorts.free();
      GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[{"name":"front","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"tp"}],
          "pools":[{"name":"tp","protocol":"TCP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
          """.formatted(port, x.port()));
      try (TcpClient open = TcpClient.connect(port)) {
        assertEquals("x", open.readLine());
        String url = "http://127.0.0.1:" + gw.gateway().adminPort() + "/";

        String dom = chromium("--dump-dom", url);
        assertTrue(dom.contains("data-member=\"127.0.0.1:" + x.port() + "\""), "no member row in:\n" + dom);
        assertTrue(dom.contains("data-listener=\"front\""), "no listener row in:\n" + dom);
        assertTrue(dom.contains("NO_MONITOR"), "no member status in:\n" + dom);

        Path shot = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        chromium("--screenshot=" + shot, "--window-size=1100,700", url);
        assertTrue(Files.size(shot) > 1000, "no screenshot at " + shot);
      } finally {
        gw.close();
      }
    }
  }

  /** Runs headless chromium on {@code url} with virtual time for the page's scripts; returns its stdout. */
  private String chromium(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
    command.addAll(List.of(args));
    Path out = profile.resolve("stdout");
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
        .redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish within 60 s");
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }
}
