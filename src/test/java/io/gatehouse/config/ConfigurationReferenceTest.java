package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/configuration.md must name every field the parser accepts. The names come from the parser itself: every
 * field any object reader was asked for while reading documents that take each branch (each action, rule type,
 * persistence type, monitor type, listener and pool protocol), so a field added to a parser and not to the page
 * fails here.
 */
class ConfigurationReferenceTest {
  private static final Path PAGE = Path.of("docs", "configuration.md");

  @TempDir
  Path dir;

  @Test
  void everyFieldTheParserAcceptsIsOnTheReferencePage() throws IOException {
    TestDocuments.writePems(dir);
    secretFile("token");
    secretFile("secret");
    Set<String> fields = new TreeSet<>();
    for (String doc : documents()) {
      ConfigResult result = ConfigParser.parse(json(doc), dir);
      assertEquals(List.of(), result.errors(), "a reference document must be valid, or its branches are not read");
      Problems problems = new Problems();
      ConfigParser.read(new ObjectReader(new JsonObject(json(doc)), JsonPath.ROOT, problems), dir);
      fields.addAll(problems.fieldsAsked());
    }
    // the walk reached the nested objects, not only the top level
    assertTrue(fields.containsAll(Set.of("max_retries_down", "cookie_name", "redirect_listener", "X-Real-IP",
        "trusted_cidrs", "sni_certificates", "base_ejection_time", "secret_file", "redirect_pools", "split_sticky", "replacement", "prefix", "response_headers")),
        fields.toString());

    String page = Files.readString(PAGE);
    List<String> missing = fields.stream().filter(f -> !page.contains("`" + f + "`")).toList();
    assertEquals(List.of(), missing, "fields the parser accepts that " + PAGE + " does not name (as `name`)");
  }

  private void secretFile(String name) throws IOException {
    Files.writeString(dir.resolve(name), "a-long-enough-secret-for-the-test\n");
    Files.setPosixFilePermissions(dir.resolve(name), PosixFilePermissions.fromString("rw-------"));
  }

  /** Between them, every branch of every parser; single quotes stand for double quotes. */
  private static List<String> documents() {
    String tls = """
        { 'certificate': 'cert.pem', 'private_key': 'key.pem', 'security_policy': 'tls-1-2-strict',
          'client_ca': 'ca.pem', 'engine': 'jdk',
          'sni_certificates': [ { 'certificate': 'sni-cert.pem', 'private_key': 'sni-key.pem' } ] }""";
    String everything = """
        { 'node': { 'name': 'gw-1', 'event_loops': 2 },
          'admin': { 'host': '127.0.0.1', 'port': 9900, 'token_file': 'token', 'allowed_hosts': ['gw.example.com'],
                     'insecure': false, 'tls': TLS },
          'cluster': { 'enabled': false, 'secret_file': 'secret' },
          'reload': { 'scan_period_ms': 1000 },
          'drain_timeout': 30, 'access_log': true,
          'listeners': [
            { 'name': 'web', 'protocol': 'HTTP', 'host': '127.0.0.1', 'protocol_port': 8080, 'default_pool': 'web-pool',
              'connection_limit': 1000, 'client_connection_limit': 100, 'client_timeout': 60, 'member_timeout': 60,
              'keepalive_timeout': 60,
              'insert_headers': { 'X-Forwarded-For': 'replace', 'X-Forwarded-Proto': true, 'X-Forwarded-Port': true,
                                  'X-Forwarded-Host': true, 'X-Real-IP': true, 'X-Forwarded-ELB-IP': false },
              'http2_enable': true, 'ip_group': { 'type': 'white', 'cidrs': ['127.0.0.0/8'] },
              'max_body_size': 1048576, 'accept_proxy_protocol': { 'trusted_cidrs': ['10.0.0.0/8'] },
              'trusted_proxies': ['10.0.0.0/8'], 'client_request_rate': { 'per_second': 10, 'burst': 20 },
              'max_header_size': 32768, 'max_headers': 100, 'merge_slashes': true, 'escaped_slashes': 'reject',
              'l7_policies': [
                { 'name': 'p1', 'position': 1, 'action': 'REDIRECT_TO_POOL', 'redirect_pool': 'api-pool',
                  'rules': [ { 'type': 'HEADER', 'compare_type': 'EQUAL_TO', 'key': 'X-A', 'value': '1' },
                             { 'type': 'QUERY_STRING', 'compare_type': 'REGEX', 'key': 'v', 'value': '^2' } ] },
                { 'name': 'p2', 'position': 2, 'action': 'REDIRECT_TO_URL', 'redirect_url': 'https://example.com/',
                  'status_code': 301, 'rules': [ { 'type': 'PATH', 'compare_type': 'STARTS_WITH', 'value': '/old/' } ] },
                { 'name': 'p3', 'position': 3, 'action': 'REDIRECT_TO_LISTENER', 'redirect_listener': 'secure',
                  'status_code': 308,
                  'rules': [ { 'type': 'HOST_NAME', 'compare_type': 'EQUAL_TO', 'value': 'a.example.com' } ] },
                { 'name': 'p4', 'position': 4, 'action': 'FIXED_RESPONSE', 'status_code': 403,
                  'content_type': 'text/plain', 'body': 'no',
                  'rules': [ { 'type': 'METHOD', 'compare_type': 'EQUAL_TO', 'value': 'DELETE' } ] } ] },
            { 'name': 'secure', 'protocol': 'HTTPS', 'protocol_port': 8443, 'default_pool': 'web-pool', 'tls': TLS },
            { 'name': 'ssl', 'protocol': 'SSL', 'protocol_port': 9443, 'default_pool': 'tcp-pool', 'tls': TLS,
              'proxy_protocol': true },
            { 'name': 'tcp', 'protocol': 'TCP', 'protocol_port': 9000, 'default_pool': 'tcp-pool',
              'proxy_protocol': true },
            { 'name': 'udp', 'protocol': 'UDP', 'protocol_port': 9053, 'default_pool': 'udp-pool' } ],
          'pools': [
            { 'name': 'web-pool', 'protocol': 'HTTPS', 'lb_algorithm': 'LEAST_CONNECTIONS', 'ca_certificate': 'ca.pem',
              'tls_server_name': 'api.example.com',
              'deregistration_delay': 300, 'outlier_detection': { 'enabled': true, 'consecutive_failures': 5, 'base_ejection_time': 30 },
              'slow_start': { 'enable': true, 'duration': 60 },
              'session_persistence': { 'type': 'APP_COOKIE', 'cookie_name': 'JSESSIONID', 'persistence_timeout': 60 },
              'health_monitor': { 'type': 'HTTPS', 'url_path': '/health', 'http_method': 'GET',
                                  'domain_name': 'api.example.com', 'expected_codes': '200-399', 'monitor_port': 8081,
                                  'delay': 5, 'timeout': 3, 'max_retries': 3, 'max_retries_down': 3 },
              'members': [ { 'address': '10.0.0.1', 'protocol_port': 443, 'weight': 1, 'admin_state_up': true } ] },
            { 'name': 'api-pool', 'protocol': 'HTTP', 'session_persistence': { 'type': 'HTTP_COOKIE' },
              'health_monitor': { 'type': 'HTTP' }, 'members': [] },
            { 'name': 'tcp-pool', 'protocol': 'TCP', 'lb_algorithm': 'SOURCE_IP',
              'session_persistence': { 'type': 'SOURCE_IP', 'persistence_timeout': 20 },
              'health_monitor': { 'type': 'TCP' }, 'members': [] },
            { 'name': 'udp-pool', 'protocol': 'UDP', 'health_monitor': { 'type': 'UDP_CONNECT' }, 'members': [] } ] }
        """.replace("TLS", tls);
    String inlineSecrets = """
        { 'admin': { 'token': 'a-long-enough-token' }, 'cluster': { 'secret': 'a-long-enough-secret-for-the-test' },
          'listeners': [], 'pools': [] }""";
    String splits = """
        { 'listeners': [
            { 'name': 'web', 'protocol': 'HTTP', 'protocol_port': 8080,
              'default_pools': [ { 'pool': 'v1', 'weight': 95 }, { 'pool': 'v2', 'weight': 5 } ],
              'split_sticky': { 'enable': true, 'duration': 3600 },
              'rewrite': { 'path': { 'regex': '^/api/(.*)$', 'replacement': '/v2/$1' }, 'host': 'internal.example',
                           'query': { 'regex': '^$', 'replacement': 'from=gw' } },
              'request_headers': { 'set': { 'X-Env': 'prod' }, 'add': { 'X-Via': '${listener}' }, 'remove': ['X-Debug'] },
              'response_headers': { 'remove': ['Server'] },
              'l7_policies': [ { 'name': 'canary', 'action': 'REDIRECT_TO_POOL',
                  'rewrite': { 'path': { 'prefix': '/api/', 'replacement': '/' } },
                  'request_headers': { 'set': { 'X-Env': 'canary' } },
                  'redirect_pools': [ { 'pool': 'v1', 'weight': 1 }, { 'pool': 'v2', 'weight': 1 } ],
                  'rules': [ { 'type': 'PATH', 'compare_type': 'STARTS_WITH', 'value': '/api/' } ] } ] } ],
          'pools': [ { 'name': 'v1', 'protocol': 'HTTP', 'members': [] },
                     { 'name': 'v2', 'protocol': 'HTTP', 'members': [] } ] }""";
    return List.of(everything, inlineSecrets, splits);
  }
}
