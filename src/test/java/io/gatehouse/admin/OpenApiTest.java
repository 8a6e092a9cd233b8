package io.gatehouse.admin;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI description at {@code /api/v1/openapi.json} against the live admin router: the same routes both ways,
 * and each documented operation answers (neither 404 nor 405) on a running gateway.
 */
class OpenApiTest {
  private static final String TOKEN = "openapi-token";
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
  private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^}]+)}");

  @Test
  void documentsEveryRouteAndEveryDocumentedRouteAnswers() {
    int port = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start("{" + head().replace("\"admin\":{", "\"admin\":{\"token\":\""
        + TOKEN + "\",") + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"HTTP","members":[{"address":"127.0.0.1","protocol_port":9}]}]}""".formatted(port))) {
      AdminClient admin = new AdminClient(gw.gateway().adminPort(), TOKEN);
      assertEquals(401, new AdminClient(gw.gateway().adminPort(), null).get("/api/v1/openapi.json").statusCode());
      HttpResponse<String> r = admin.get("/api/v1/openapi.json");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
      JsonObject spec = new JsonObject(r.body());
      assertTrue(spec.getString("openapi").startsWith("3."), spec.getString("openapi"));
      assertEveryReferenceResolves(spec, spec);

      TreeMap<String, String> documented = operations(spec); // "GET /:pool" -> "/p" (the example values)
      assertEquals(new TreeSet<>(gw.gateway().admin().routes()), documented.keySet(),
          "the admin router's routes and the OpenAPI description's operations differ");
      List<String> unanswered = new ArrayList<>();
      documented.forEach((route, path) -> {
        String method = route.substring(0, route.indexOf(' '));
        int status = admin.call(method, path).statusCode();
        if (status == 404 || status == 405 || status == 401) {
          unanswered.add(route + " -> " + status);
        }
      });
      assertEquals(List.of(), unanswered);
    }
  }

  /**
   * Every operation as the router spells it ({@code METHOD /path/:name}), with the path to call: each path
   * parameter replaced by its {@code example}, which the description must give.
   */
  private static TreeMap<String, String> operations(JsonObject spec) {
    TreeMap<String, String> out = new TreeMap<>();
    JsonObject paths = spec.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!METHODS.contains(method)) {
          continue;
        }
        JsonObject op = item.getJsonObject(method);
        assertNotNull(op.getJsonObject("responses"), method + " " + path + ": no responses");
        String routerPath = PATH_PARAMETER.matcher(path).replaceAll(":$1");
        Matcher m = PATH_PARAMETER.matcher(path);
        StringBuilder call = new StringBuilder();
        while (m.find()) {
          m.appendReplacement(call, Matcher.quoteReplacement(example(op, m.group(1), method + " " + path)));
        }
        m.appendTail(call);
        out.put(method.toUpperCase(java.util.Locale.ROOT) + " " + routerPath, call.toString());
      }
    }
    return out;
  }

  private static String example(JsonObject op, String name, String where) {
    JsonArray parameters = op.getJsonArray("parameters", new JsonArray());
    for (int i = 0; i < parameters.size(); i++) {
      JsonObject p = parameters.getJsonObject(i);
      if (name.equals(p.getString("name")) && "path".equals(p.getString("in")) && p.containsKey("example")) {
        return String.valueOf(p.getValue("example"));
      }
    }
    throw new AssertionError(where + ": path parameter " + name + " needs an example to call it with");
  }

  /** Every {@code $ref} names something in this document. */
  private static void assertEveryReferenceResolves(JsonObject spec, Object node) {
    if (node instanceof JsonObject o) {
      String ref = o.getString("$ref");
      if (ref != null) {
        Object target = spec;
        for (String part : ref.substring(2).split("/")) {
          target = target instanceof JsonObject t ? t.getValue(part) : null;
        }
        assertNotNull(target, "unresolved " + ref);
      }
      o.forEach(e -> assertEveryReferenceResolves(spec, e.getValue()));
    } else if (node instanceof JsonArray a) {
      a.forEach(v -> assertEveryReferenceResolves(spec, v));
    }
  }
}
