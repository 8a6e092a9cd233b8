package io.gatehouse.monitoring;

import com.hazelcast.shaded.org.snakeyaml.engine.v2.api.Load;
import com.hazelcast.shaded.org.snakeyaml.engine.v2.api.LoadSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitoring files shipped in cluster/ and the PromQL queries they hold. YAML is read with the snakeyaml-engine
 * that Hazelcast carries (shaded): a real YAML 1.2 parser already on the classpath, strict about duplicate keys.
 */
final class MonitoringFiles {

  static final Path DASHBOARD = Path.of("cluster/grafana/dashboards/gatehouse.json");
  static final Path ALERTS = Path.of("cluster/prometheus/alerts.yml");
  static final Path ALERT_TESTS = Path.of("cluster/prometheus/alerts.test.yml");
  static final Path PROMETHEUS = Path.of("cluster/prometheus/prometheus.yml");
  static final Path COMPOSE = Path.of("docker-compose.yml");

  /** {@code label_values(selector, label)}: Grafana's query for a variable's values. */
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*(\\w+)\\s*\\)");

  /** A query and where it is written, to say which one is wrong. */
  record Query(String where, String expr) {}

  private MonitoringFiles() {}

  static JsonObject dashboard() {
    return new JsonObject(read(DASHBOARD));
  }

  /** Every query of the dashboard: its panels' (rows' panels included) and its variables'. */
  static List<Query> dashboardQueries() {
    JsonObject d = dashboard();
    List<Query> out = new ArrayList<>();
    addPanelQueries(d.getJsonArray("panels"), out);
    for (Object o : d.getJsonObject("templating").getJsonArray("list")) {
      JsonObject v = (JsonObject) o;
      if ("query".equals(v.getString("type"))) {
        Object q = v.getValue("query");
        String text = q instanceof JsonObject j ? j.getString("query") : (String) q;
        out.add(new Query("variable " + v.getString("name"), variableQuery(text)));
      }
    }
    return out;
  }

  private static void addPanelQueries(JsonArray panels, List<Query> out) {
    if (panels == null) {
      return;
    }
    for (Object o : panels) {
      JsonObject p = (JsonObject) o;
      addPanelQueries(p.getJsonArray("panels"), out); // a collapsed row holds its panels
      JsonArray targets = p.getJsonArray("targets");
      for (Object t : targets == null ? new JsonArray() : targets) {
        JsonObject target = (JsonObject) t;
        out.add(new Query("panel '" + p.getString("title") + "' query " + target.getString("refId"),
            target.getString("expr")));
      }
    }
  }

  /** A variable's {@code label_values(m, l)} read as the PromQL it stands for: m must have label l. */
  static String variableQuery(String text) {
    Matcher m = LABEL_VALUES.matcher(text.strip());
    return m.matches() ? "count by (" + m.group(2) + ") (" + m.group(1) + ")" : text;
  }

  /** The alert rules, each as its alert name and expression. */
  static List<Query> alertQueries() {
    List<Query> out = new ArrayList<>();
    for (Map<String, Object> group : MonitoringFiles.<Map<String, Object>>list(yaml(ALERTS).get("groups"))) {
      for (Map<String, Object> rule : MonitoringFiles.<Map<String, Object>>list(group.get("rules"))) {
        Object name = rule.containsKey("alert") ? rule.get("alert") : rule.get("record");
        out.add(new Query("alert " + name, (String) rule.get("expr")));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(Path file) {
    return (Map<String, Object>) new Load(LoadSettings.builder().setLabel(file.toString()).build())
        .loadFromString(read(file));
  }

  @SuppressWarnings("unchecked")
  static <T> List<T> list(Object o) {
    return o == null ? List.of() : (List<T>) o;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
