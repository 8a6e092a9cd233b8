package io.gatehouse.metrics;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.PrometheusText;
import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The reload timestamp and the members' health transitions, as a scrape of /metrics shows them. */
class ReloadAndHealthMetersTest {

  private static final String TIMESTAMP = "gatehouse_config_last_reload_success_timestamp_seconds";
  private static final String CHANGES = "gatehouse_member_health_changes_total";

  @Test
  void theLastSuccessfulReloadTimeCountsTheFirstLoadAndIgnoresARefusedReload() throws Exception {
    long beforeStart = System.currentTimeMillis();
    try (GatewayHarness gw = GatewayHarness.start("{" + head() + "\"listeners\":[],\"pools\":[]}")) {
      double first = PrometheusText.value(gw.metrics(), TIMESTAMP);
      assertTrue(first * 1000 >= beforeStart - 1000 && first * 1000 <= System.currentTimeMillis(),
          "the first load's time: " + first);
      String good = Files.readString(gw.configFile());

      gw.rewrite(good.replace("\"pools\":[]", "\"pools\":[], \"listeners\":"));
      ReloadOutcome refused = Sync.await(gw.gateway().runtime().reload());
      assertTrue(refused.refused(), refused.toString());
      assertEquals(first, PrometheusText.value(gw.metrics(), TIMESTAMP), "a refused reload moved it");

      long beforeApply = System.currentTimeMillis();
      gw.rewrite(good.replace("\"pools\":[]", "\"pools\":[{\"name\":\"q\",\"protocol\":\"TCP\",\"members\":[]}]"));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      double applied = PrometheusText.value(gw.metrics(), TIMESTAMP);
      assertTrue(applied * 1000 >= beforeApply && applied > first, "after an applied reload: " + applied);
    }
  }

  @Test
  void aMemberGoingDownAndUpCountsTwoChanges() {
    try (Backends backends = new Backends()) {
      Backends.Member a = backends.tcpEcho("a");
      try (GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[],
          "pools":[{"name":"p","protocol":"TCP",
            "health_monitor":{"type":"TCP","delay":0.2,"timeout":0.2,"max_retries":1,"max_retries_down":1},
            "members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
          """.formatted(a.port()))) {
        String member = "member=127.0.0.1:" + a.port();
        String text = gw.metrics();
        for (String status : new String[] {"ONLINE", "OFFLINE", "NO_MONITOR"}) {
          assertEquals(0.0, PrometheusText.value(text, CHANGES, "pool=p", member, "status=" + status), text);
        }
        a.stop();
        Await.until(Duration.ofSeconds(10),
            () -> PrometheusText.value(gw.metrics(), CHANGES, "pool=p", member, "status=OFFLINE") == 1,
            () -> "no change to OFFLINE:\n" + gw.metrics());
        a.start();
        Await.until(Duration.ofSeconds(10),
            () -> PrometheusText.value(gw.metrics(), CHANGES, "pool=p", member, "status=ONLINE") == 1,
            () -> "no change back to ONLINE:\n" + gw.metrics());
        text = gw.metrics();
        assertEquals(1.0, PrometheusText.value(text, CHANGES, "pool=p", member, "status=OFFLINE"), text);
        assertEquals(0.0, PrometheusText.value(text, CHANGES, "pool=p", member, "status=NO_MONITOR"), text);
      }
    }
  }
}
