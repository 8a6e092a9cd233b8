package io.gatehouse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml's Prometheus and Grafana, read from the files (no Docker engine runs here): what they mount
 * exists and is read-only, Grafana's image is pinned, it has a health check and no default admin password, and the
 * provisioning files point at what compose provides.
 */
class MonitoringComposeTest {

  private static final Map<String, Object> SERVICES = MonitoringFiles.map(
      MonitoringFiles.yaml(MonitoringFiles.COMPOSE).get("services"));

  @Test
  void dockerComposeAcceptsTheFile() {
    ExternalTool compose = ExternalTool.require("docker-compose", "apt-get install docker-compose (Debian)");
    ExternalTool.Run r = compose.run(Path.of("."), "config", "-q");
    assertEquals(0, r.exitCode(), r.output());
  }

  @Test
  void prometheusAndGrafanaMountOnlyFilesOfTheRepositoryReadOnly() {
    for (String service : List.of("prometheus", "grafana")) {
      List<String> volumes = MonitoringFiles.list(service(service).get("volumes"));
      assertFalse(volumes.isEmpty(), service);
      for (String v : volumes) {
        String[] parts = v.split(":");
        assertEquals(3, parts.length, service + ": " + v);
        assertTrue(Files.exists(Path.of(parts[0])), service + " mounts " + parts[0] + ", which is not there");
        assertEquals("ro", parts[2], service + ": " + v);
      }
    }
    assertTrue(target("prometheus", "./cluster/prometheus").equals("/etc/prometheus"));
  }

  @Test
  void prometheusLoadsTheAlertRulesAndScrapesTheComposeNodes() {
    Map<String, Object> prometheus = MonitoringFiles.yaml(MonitoringFiles.PROMETHEUS);
    for (String ruleFile : MonitoringFiles.<String>list(prometheus.get("rule_files"))) {
      assertTrue(Files.exists(MonitoringFiles.PROMETHEUS.resolveSibling(ruleFile)), ruleFile);
    }
    assertEquals(List.of("alerts.yml"), prometheus.get("rule_files"));
    // Prometheus has no login: published on loopback only, as monitoring.md says
    assertEquals(List.of("127.0.0.1:9090:9090"), service("prometheus").get("ports"));
    for (Map<String, Object> job : MonitoringFiles.<Map<String, Object>>list(prometheus.get("scrape_configs"))) {
      for (Map<String, Object> sc : MonitoringFiles.<Map<String, Object>>list(job.get("static_configs"))) {
        for (String t : MonitoringFiles.<String>list(sc.get("targets"))) {
          assertTrue(SERVICES.containsKey(t.substring(0, t.indexOf(':'))), "no compose service for target " + t);
        }
      }
    }
  }

  @Test
  void grafanaIsPinnedHealthCheckedAndHasNoDefaultAdminPassword() {
    Map<String, Object> grafana = service("grafana");
    assertTrue(((String) grafana.get("image")).matches("grafana/grafana:\\d+\\.\\d+\\.\\d+"), grafana.toString());
    assertTrue(MonitoringFiles.map(grafana.get("healthcheck")).get("test").toString().contains("/api/health"));
    Map<String, Object> env = MonitoringFiles.map(grafana.get("environment"));
    assertFalse(env.containsKey("GF_SECURITY_ADMIN_PASSWORD"), "a password written in the compose file");
    assertEquals("/run/secrets/grafana_admin_password", env.get("GF_SECURITY_ADMIN_PASSWORD__FILE"));
    assertEquals(List.of("grafana_admin_password"), grafana.get("secrets"));
    Map<String, Object> secret = MonitoringFiles.map(MonitoringFiles.map(
        MonitoringFiles.yaml(MonitoringFiles.COMPOSE).get("secrets")).get("grafana_admin_password"));
    String password = MonitoringFiles.read(Path.of((String) secret.get("file"))).strip();
    assertTrue(password.length() >= 32 && !password.equals("admin"), "a weak shipped password");
    // viewers need no login; nothing they can change
    assertEquals("true", env.get("GF_AUTH_ANONYMOUS_ENABLED"));
    assertEquals("Viewer", env.get("GF_AUTH_ANONYMOUS_ORG_ROLE"));
    assertEquals(List.of("127.0.0.1:3000:3000"), grafana.get("ports"));
  }

  @Test
  void grafanaProvisioningPointsAtComposePrometheusAndTheMountedDashboards() {
    Path provisioning = Path.of("cluster/grafana/provisioning");
    assertEquals("/etc/grafana/provisioning", target("grafana", "./" + provisioning));
    Map<String, Object> ds = MonitoringFiles.<Map<String, Object>>list(MonitoringFiles.yaml(
        provisioning.resolve("datasources/prometheus.yml")).get("datasources")).get(0);
    URI url = URI.create((String) ds.get("url"));
    assertTrue(SERVICES.containsKey(url.getHost()), url.toString());
    assertEquals("9090", url.getPort() + "");
    Map<String, Object> provider = MonitoringFiles.<Map<String, Object>>list(MonitoringFiles.yaml(
        provisioning.resolve("dashboards/gatehouse.yml")).get("providers")).get(0);
    String dashboards = (String) MonitoringFiles.map(provider.get("options")).get("path");
    assertEquals(dashboards, target("grafana", "./" + MonitoringFiles.DASHBOARD.getParent()));
    assertEquals(false, provider.get("allowUiUpdates"));
  }

  private static Map<String, Object> service(String name) {
    return MonitoringFiles.map(SERVICES.get(name));
  }

  /** Where {@code service} mounts the repository's {@code hostPath}. */
  private static String target(String service, String hostPath) {
    for (String v : MonitoringFiles.<String>list(service(service).get("volumes"))) {
      String[] parts = v.split(":");
      if (parts[0].equals(hostPath)) {
        return parts[1];
      }
    }
    throw new AssertionError(service + " does not mount " + hostPath);
  }
}
