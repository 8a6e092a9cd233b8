package io.gatehouse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Prometheus's own checker on the shipped configuration and alert rules, and the rules' unit tests
 * (alerts.test.yml: made-up series in, the alerts that must fire out). Skipped where promtool is missing; CI
 * installs Debian's prometheus package, which has it.
 */
class MonitoringRulesTest {

  private static final String HOW = "apt-get install prometheus (Debian) puts promtool on PATH";

  @Test
  void promtoolAcceptsTheAlertRules() {
    ExternalTool.Run r = promtool().run(Path.of("."), "check", "rules", MonitoringFiles.ALERTS.toString());
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS: 8 rules found"), r.output());
  }

  @Test
  void promtoolAcceptsThePrometheusConfigurationAndTheRuleFilesItNames() {
    ExternalTool.Run r = promtool().run(Path.of("."), "check", "config", MonitoringFiles.PROMETHEUS.toString());
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS: 1 rule files found"), r.output());
  }

  @Test
  void theAlertsFireWhenTheyShouldAndOnlyThen() {
    // run beside the files: alerts.test.yml names alerts.yml relative to itself
    Path dir = MonitoringFiles.ALERT_TESTS.getParent();
    ExternalTool.Run r = promtool().run(dir, "test", "rules", MonitoringFiles.ALERT_TESTS.getFileName().toString());
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
  }

  private static ExternalTool promtool() {
    return ExternalTool.require("promtool", HOW);
  }
}
