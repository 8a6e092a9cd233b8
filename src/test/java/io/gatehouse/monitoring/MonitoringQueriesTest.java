package io.gatehouse.monitoring;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.monitoring.MonitoringFiles.Query;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.TlsClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alerts read only series a live gateway serves: every series name they
 * select, every label they match on or group by. The gateway runs HTTP and HTTPS listeners (an SNI certificate
 * too), a pool with traffic and an HTTPS pool whose probes fail, so that the series which appear only once there is
 * something to count exist.
 */
class MonitoringQueriesTest {

  /** Series Prometheus makes itself for every target, not the gateway. */
  private static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");
  /** Labels Prometheus adds to every scraped series. */
  private static final Set<String> TARGET_LABELS = Set.of("job", "instance");

  @Test
  void everySeriesAndLabelTheDashboardAndTheAlertsReadIsServedByALiveGateway() throws Exception {
    List<Query> queries = Stream.concat(MonitoringFiles.dashboardQueries().stream(),
        MonitoringFiles.alertQueries().stream()).toList();
    Set<String> wanted = new TreeSet<>();
    queries.forEach(q -> wanted.addAll(PromQl.of(q.expr()).selectors.keySet()));
    wanted.removeAll(MADE_BY_PROMETHEUS);

    try (Backends backends = new Backends()) {
      Backends.Member a = backends.http("a");
      int web = TestPorts.free();
      int webTls = TestPorts.free();
      try (GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[
            {"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"},
            {"name":"web-tls","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
             "tls":{"certificate":"%s","private_key":"%s",
                    "sni_certificates":[{"certificate":"%s","private_key":"%s"}]}}],
          "pools":[
            {"name":"p","protocol":"HTTP","members":%s},
            {"name":"secure","protocol":"HTTPS","members":%s,
             "health_monitor":{"type":"HTTPS","delay":0.2,"timeout":0.2,"max_retries":1,"max_retries_down":1}}]}
          """.formatted(web, webTls, TestCerts.RSA_CERT, TestCerts.RSA_KEY, TestCerts.API_CERT, TestCerts.API_KEY,
          members(a), members(a)))) {
        assertEquals(200, new RawHttp(web).send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        try (SSLSocket s = TlsClients.socket(webTls, TlsClients.context(null, null))) {
          assertEquals(200, new RawHttp(s).send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }
        try (TcpClient plain = TcpClient.connect(webTls)) { // plain HTTP on a TLS port: a failed handshake
          plain.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          plain.readToEnd();
        }
        // the JVM's GC meters appear at the first collection; one is asked for so that they exist here
        System.gc();
        // series bound at the first scrape after their first event: scraped until all are there or 10 s passed,
        // then every problem is reported at once (labels of the series that are there included)
        Map<String, Set<String>> served = ExposedSeries.of(gw.metrics());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!served.keySet().containsAll(wanted) && System.nanoTime() < deadline) {
          Thread.sleep(50);
          served = ExposedSeries.of(gw.metrics());
        }
        assertEquals(List.of(), problems(queries, served), "/metrics served:\n" + served.keySet());
      }
    }
  }

  /**
   * What a query reads that the gateway does not serve: a series, a label it matches on, or a label it groups by
   * that none of its series carries.
   */
  static List<String> problems(List<Query> queries, Map<String, Set<String>> served) {
    List<String> problems = new ArrayList<>();
    for (Query q : queries) {
      PromQl read = PromQl.of(q.expr());
      Set<String> all = new TreeSet<>(TARGET_LABELS);
      read.selectors.forEach((name, labels) -> {
        if (!served.containsKey(name) && !MADE_BY_PROMETHEUS.contains(name)) {
          problems.add(q.where() + ": no series " + name);
          return;
        }
        Set<String> carried = labelsOf(name, served);
        all.addAll(carried);
        labels.stream().filter(l -> !carried.contains(l) && !TARGET_LABELS.contains(l))
            .forEach(l -> problems.add(q.where() + ": " + name + " has no label " + l));
      });
      boolean allSeriesServed = read.selectors.keySet().stream()
          .allMatch(n -> served.containsKey(n) || MADE_BY_PROMETHEUS.contains(n));
      // grouping is judged only when every series is there to carry the labels
      read.grouping.stream().filter(l -> allSeriesServed && !all.contains(l))
          .forEach(l -> problems.add(q.where() + ": groups by " + l + ", which none of its series carries"));
    }
    return problems;
  }

  private static Set<String> labelsOf(String name, Map<String, Set<String>> served) {
    return MADE_BY_PROMETHEUS.contains(name) ? Set.of() : served.getOrDefault(name, Set.of());
  }

  @Test
  void theDashboardShowsWhatAnOperatorLooksForFirst() {
    Set<String> read = new TreeSet<>();
    MonitoringFiles.dashboardQueries().forEach(q -> read.addAll(PromQl.of(q.expr()).selectors.keySet()));
    // requests and errors, latency, members, connections, TLS failures, reloads, cluster, heap and GC
    for (String name : List.of("gatehouse_http_requests_total", "gatehouse_http_request_duration_seconds_bucket",
        "gatehouse_member_status", "gatehouse_listener_connections_active", "gatehouse_tls_handshake_failures_total",
        "gatehouse_config_reloads_total", "gatehouse_cluster_members", "jvm_memory_used_bytes",
        "jvm_gc_pause_seconds_sum", "gatehouse_tls_certificate_expiry_timestamp_seconds")) {
      assertTrue(read.contains(name), "the dashboard reads no " + name + "; it reads " + read);
    }
    // every panel and variable takes the data source chosen in the dashboard's "Prometheus" variable
    assertTrue(MonitoringFiles.read(MonitoringFiles.DASHBOARD).contains("\"uid\": \"${datasource}\""));
    assertEquals("gatehouse", MonitoringFiles.dashboard().getString("uid"));
  }

  @Test
  void theAlertsCoverThePoolsErrorsCertificatesReloadsAndTheCluster() {
    List<String> names = MonitoringFiles.alertQueries().stream().map(Query::where).toList();
    assertEquals(List.of("alert GatehouseNodeDown", "alert GatehousePoolNoUsableMember",
        "alert GatehouseHigh5xxRatio", "alert GatehouseCertificateExpiresSoon",
        "alert GatehouseCertificateExpiresVerySoon", "alert GatehouseReloadRefused",
        "alert GatehouseClusterSizeChanged", "alert GatehouseClusterViewsDiffer"), names);
    for (Map<String, Object> group : MonitoringFiles.<Map<String, Object>>list(
        MonitoringFiles.yaml(MonitoringFiles.ALERTS).get("groups"))) {
      for (Map<String, Object> rule : MonitoringFiles.<Map<String, Object>>list(group.get("rules"))) {
        String severity = (String) MonitoringFiles.map(rule.get("labels")).get("severity");
        assertTrue(Set.of("critical", "warning", "info").contains(severity), rule.get("alert") + ": " + severity);
        Map<String, Object> annotations = MonitoringFiles.map(rule.get("annotations"));
        assertTrue(annotations.containsKey("summary") && annotations.containsKey("description"),
            rule.get("alert") + ": " + annotations);
      }
    }
  }

  @Test
  void theQueryReaderFindsSeriesLabelsAndGroupingAndSkipsTheRest() {
    PromQl q = PromQl.of("""
        sum by (listener, le) (rate(gatehouse_http_request_duration_seconds_bucket{instance=~"$instance",
          listener!="a{b}"}[$__rate_interval] offset 5m)) / on (listener) group_left
        max without (pool) (gatehouse_member_status > bool 0) and time() - x:recorded:rate5m > 14 * 86400 # sum(c)
        """);
    assertEquals(Map.of("gatehouse_http_request_duration_seconds_bucket", Set.of("instance", "listener"),
        "gatehouse_member_status", Set.of(), "x:recorded:rate5m", Set.of()), q.selectors);
    assertEquals(Set.of("listener", "le", "pool"), q.grouping);
    assertEquals("count by (pool) (gatehouse_member_status{instance=~\"$instance\"})",
        MonitoringFiles.variableQuery("label_values(gatehouse_member_status{instance=~\"$instance\"}, pool)"));
  }

  @Test
  void aMissingSeriesAMisspelledLabelAndAGroupingNoSeriesCarriesAreEachReported() {
    Map<String, Set<String>> served = Map.of("a_total", Set.of("listener", "code"), "b", Set.of("pool"));
    assertEquals(List.of(), problems(List.of(new Query("ok", "sum by (job, listener) (rate(a_total{code=~\"5..\"}[5m]))"
        + " / on (instance) group_left b{pool=\"p\"} or up == 0")), served));
    assertEquals(List.of("q1: no series c_total", "q2: a_total has no label listner",
        "q3: groups by pool, which none of its series carries"), problems(List.of(
            new Query("q1", "rate(c_total[5m])"), new Query("q2", "a_total{listner=\"web\"}"),
            new Query("q3", "sum by (pool) (a_total)")), served));
  }

  @Test
  void theExpositionReaderKeepsEachSampleNameWithItsLabelNames() {
    Map<String, Set<String>> s = ExposedSeries.of("""
        # HELP a_total things
        # TYPE a_total counter
        a_total{listener="w,e\\"b}",reason="x"} 1.0
        b_seconds_bucket{le="+Inf",pool="p"} 2
        c 3
        """);
    assertEquals(Map.of("a_total", Set.of("listener", "reason"), "b_seconds_bucket", Set.of("le", "pool"),
        "c", Set.of()), s);
  }
}
