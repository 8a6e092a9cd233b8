package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.json;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.gatehouse.config.GatehouseConfig.AdminConfig;
import io.gatehouse.config.GatehouseConfig.ClusterConfig;
import io.gatehouse.config.GatehouseConfig.NodeConfig;
import io.gatehouse.config.GatehouseConfig.ReloadConfig;
import io.gatehouse.config.L7Rule.CompareType;
import io.gatehouse.config.PoolConfig.LbAlgorithm;
import io.gatehouse.testkit.TestCerts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest {
  @TempDir
  Path dir;

  @BeforeEach
  void pems() throws IOException {
    TestDocuments.writePems(dir);
  }

  private ConfigResult parse(String singleQuoted) {
    return ConfigParser.parse(json(singleQuoted), dir);
  }

  private GatehouseConfig valid(String singleQuoted) {
    ConfigResult result = parse(singleQuoted);
    assertEquals(List.of(), result.errorLines());
    return result.config();
  }

  @Test
  void appliesEveryDefault() {
    ConfigResult result = ConfigParser.parse(base().encode(), dir);
    assertTrue(result.ok());
    assertEquals(List.of(), result.warnings());
    GatehouseConfig c = result.config();
    int cores = Math.min(256, Runtime.getRuntime().availableProcessors());
    assertEquals(new NodeConfig(ConfigParser.defaultNodeName(), cores), c.node());
    assertEquals(new AdminConfig("127.0.0.1", 9900, null, null), c.admin());
    assertEquals(new ClusterConfig(false, null), c.cluster());
    assertEquals(new ReloadConfig(1000), c.reload());
    assertEquals(Duration.ofSeconds(30), c.drainTimeout());
    assertTrue(c.accessLog());

    Duration minute = Duration.ofSeconds(60);
    L7Policy api = new L7Policy("api", 1, List.of(new L7Rule(L7Rule.Type.PATH, CompareType.STARTS_WITH, null, "/api/")),
        L7Policy.Action.REDIRECT_TO_POOL, "api-pool", null, null, 0, null, null);
    assertEquals(new ListenerConfig("web", ListenerProtocol.HTTP, "0.0.0.0", 8080, "web-pool", -1, minute, minute,
        minute, InsertHeaders.DEFAULTS, null, false, null, List.of(api), false, -1, List.of(), -1, null, HeadLimits.DEFAULTS,
        List.of(), PathRules.DEFAULTS), c.listeners().get(0));
    assertEquals(Duration.ofSeconds(300), c.listener("tcp").orElseThrow().keepaliveTimeout());
    assertEquals(Duration.ofSeconds(300), c.listener("udp").orElseThrow().keepaliveTimeout());
    ListenerConfig secure = c.listener("secure").orElseThrow();
    assertEquals(minute, secure.keepaliveTimeout());
    assertEquals(new TlsConfig(new TlsConfig.CertPair(dir.resolve("cert.pem"), dir.resolve("key.pem")), List.of(),
        TlsPolicyName.TLS_1_2, null), secure.tls());

    assertEquals(new PoolConfig("web-pool", PoolProtocol.HTTP, LbAlgorithm.ROUND_ROBIN, null, null, null,
        OutlierDetection.DEFAULT, List.of(new MemberConfig("10.0.0.1", 80, 1, true))), c.pools().get(0));
    assertEquals(4, c.pools().size());
  }

  @Test
  void readsEveryFieldGiven() {
    GatehouseConfig c = valid("""
        { 'node': { 'name': 'gw-1', 'event_loops': 3 },
          'admin': { 'host': '::1', 'port': 9901, 'token': 's3cret' },
          'cluster': { 'enabled': true }, 'reload': { 'scan_period_ms': 0 },
          'drain_timeout': 2.5, 'access_log': false,
          'listeners': [
            { 'name': 'web', 'protocol': 'HTTPS', 'host': '127.0.0.1', 'protocol_port': 8443, 'default_pool': 'p',
              'connection_limit': 100, 'client_timeout': 0.25, 'member_timeout': 1.0005, 'keepalive_timeout': 86400,
              'insert_headers': { 'X-Real-IP': true, 'X-Forwarded-Port': false },
              'tls': { 'certificate': 'cert.pem', 'private_key': 'key.pem', 'security_policy': 'tls-1-2-fs-with-1-3',
                       'sni_certificates': [ { 'certificate': 'sni-cert.pem', 'private_key': 'sni-key.pem' } ],
                       'client_ca': 'ca.pem' },
              'http2_enable': true, 'ip_group': { 'type': 'black', 'cidrs': [ '10.0.0.0/8', '::1/128' ] },
              'max_body_size': 1048576, 'max_header_size': 65536, 'max_headers': 200,
              'merge_slashes': false, 'escaped_slashes': 'keep',
              'l7_policies': [
                { 'name': 'late', 'position': 9, 'action': 'FIXED_RESPONSE', 'status_code': 418,
                  'content_type': 'text/html', 'body': '<p>teapot</p>',
                  'rules': [ { 'type': 'HEADER', 'compare_type': 'REGEX', 'key': 'X-Team', 'value': '^a.*' } ] },
                { 'name': 'url', 'position': 2, 'action': 'REDIRECT_TO_URL', 'redirect_url': 'https://example.com/x',
                  'rules': [ { 'type': 'QUERY_STRING', 'compare_type': 'EQUAL_TO', 'key': 'v', 'value': '1' } ] },
                { 'name': 'plain', 'position': 2, 'action': 'REDIRECT_TO_LISTENER', 'redirect_listener': 'l4',
                  'status_code': 308,
                  'rules': [ { 'type': 'METHOD', 'compare_type': 'EQUAL_TO', 'value': 'GET' } ] } ] },
            { 'name': 'l4', 'protocol': 'HTTP', 'protocol_port': 8080, 'default_pool': 'p' },
            { 'name': 'raw', 'protocol': 'TCP', 'protocol_port': 9000, 'default_pool': 't', 'proxy_protocol': true } ],
          'pools': [
            { 'name': 'p', 'protocol': 'HTTPS', 'lb_algorithm': 'LEAST_CONNECTIONS',
              'session_persistence': { 'type': 'APP_COOKIE', 'cookie_name': 'JSESSIONID', 'persistence_timeout': 30 },
              'health_monitor': { 'type': 'HTTPS', 'delay': 2, 'timeout': 1.5, 'max_retries': 2, 'max_retries_down': 4,
                                  'monitor_port': 8081, 'url_path': '/healthz', 'http_method': 'HEAD',
                                  'domain_name': 'app.example.com', 'expected_codes': '200-299,304' },
              'slow_start': { 'enable': true, 'duration': 60 },
              'outlier_detection': { 'enabled': false, 'consecutive_failures': 2, 'base_ejection_time': 1.5 },
              'members': [ { 'address': 'app-1.internal', 'protocol_port': 443, 'weight': 0, 'admin_state_up': false },
                           { 'address': '::1', 'protocol_port': 443, 'weight': 100 } ] },
            { 'name': 't', 'protocol': 'TCP', 'lb_algorithm': 'SOURCE_IP',
              'session_persistence': { 'type': 'SOURCE_IP' },
              'health_monitor': { 'type': 'TCP', 'expected_codes': 200 },
              'slow_start': {}, 'outlier_detection': {}, 'members': [] } ] }
        """);
    assertEquals(new NodeConfig("gw-1", 3), c.node());
    assertEquals(new AdminConfig("::1", 9901, "s3cret", null), c.admin());
    assertEquals(new ClusterConfig(true, null), c.cluster());
    assertEquals(new ReloadConfig(0), c.reload());
    assertEquals(Duration.ofMillis(2500), c.drainTimeout());
    assertEquals(false, c.accessLog());

    ListenerConfig web = c.listeners().get(0);
    assertEquals("127.0.0.1", web.host());
    assertEquals(100, web.connectionLimit());
    assertEquals(Duration.ofMillis(250), web.clientTimeout());
    assertEquals(Duration.ofNanos(1_000_500_000), web.memberTimeout());
    assertEquals(Duration.ofDays(1), web.keepaliveTimeout());
    assertEquals(new InsertHeaders(true, true, false, true, true, false), web.insertHeaders());
    assertEquals(new TlsConfig(new TlsConfig.CertPair(dir.resolve("cert.pem"), dir.resolve("key.pem")),
        List.of(new TlsConfig.CertPair(dir.resolve("sni-cert.pem"), dir.resolve("sni-key.pem"))),
        TlsPolicyName.TLS_1_2_FS_WITH_1_3, dir.resolve("ca.pem")), web.tls());
    assertTrue(web.http2Enable());
    assertEquals(new HeadLimits(65536, 200), web.headLimits());
    assertEquals(new PathRules(false, true), web.pathRules());
    assertEquals(PathRules.DEFAULTS, c.listener("l4").orElseThrow().pathRules());
    assertEquals(new IpGroup(IpGroup.Type.BLACK, List.of(Cidr.parse("10.0.0.0/8").orElseThrow(),
        Cidr.parse("::1/128").orElseThrow())), web.ipGroup());
    assertEquals(1_048_576, web.maxBodySize());
    // sorted by position, the two at position 2 in document order
    assertEquals(List.of(
        new L7Policy("url", 2, List.of(new L7Rule(L7Rule.Type.QUERY_STRING, CompareType.EQUAL_TO, "v", "1")),
            L7Policy.Action.REDIRECT_TO_URL, null, "https://example.com/x", null, 302, null, null),
        new L7Policy("plain", 2, List.of(new L7Rule(L7Rule.Type.METHOD, CompareType.EQUAL_TO, null, "GET")),
            L7Policy.Action.REDIRECT_TO_LISTENER, null, null, "l4", 308, null, null),
        new L7Policy("late", 9, List.of(new L7Rule(L7Rule.Type.HEADER, CompareType.REGEX, "X-Team", "^a.*")),
            L7Policy.Action.FIXED_RESPONSE, null, null, null, 418, "text/html", "<p>teapot</p>")),
        web.l7Policies());
    assertTrue(c.listener("raw").orElseThrow().proxyProtocol());

    PoolConfig p = c.pool("p").orElseThrow();
    assertEquals(new PoolConfig("p", PoolProtocol.HTTPS, LbAlgorithm.LEAST_CONNECTIONS,
        new SessionPersistence(SessionPersistence.Type.APP_COOKIE, "JSESSIONID", Duration.ofMinutes(30)),
        new HealthMonitorConfig(HealthMonitorConfig.Type.HTTPS, Duration.ofSeconds(2), Duration.ofMillis(1500), 2, 4,
            8081, "/healthz", "HEAD", "app.example.com", ExpectedCodes.parse("200-299,304").orElseThrow()),
        new SlowStart(true, Duration.ofSeconds(60)), new OutlierDetection(false, 2, Duration.ofMillis(1500)),
        List.of(new MemberConfig("app-1.internal", 443, 0, false), new MemberConfig("::1", 443, 100, true))), p);
    assertEquals(List.of(new ExpectedCodes.Range(200, 299), new ExpectedCodes.Range(304, 304)),
        p.healthMonitor().expectedCodes().ranges());

    PoolConfig t = c.pool("t").orElseThrow();
    assertEquals(new SessionPersistence(SessionPersistence.Type.SOURCE_IP, null, Duration.ofMinutes(20)),
        t.sessionPersistence());
    assertEquals(new HealthMonitorConfig(HealthMonitorConfig.Type.TCP, Duration.ofSeconds(5), Duration.ofSeconds(3),
        3, 3, 0, "/", "GET", null, ExpectedCodes.parse("200").orElseThrow()), t.healthMonitor());
    assertEquals(new SlowStart(false, Duration.ofSeconds(30)), t.slowStart());
    assertEquals(OutlierDetection.DEFAULT, t.outlierDetection());
  }

  @Test
  void cookieDefaultsAndIntegerExpectedCodes() {
    GatehouseConfig c = valid("""
        { 'pools': [ { 'name': 'p', 'protocol': 'HTTP', 'members': [],
                       'session_persistence': { 'type': 'HTTP_COOKIE' },
                       'health_monitor': { 'type': 'HTTP', 'expected_codes': 204 } } ] }
        """);
    PoolConfig p = c.pools().get(0);
    assertEquals(new SessionPersistence(SessionPersistence.Type.HTTP_COOKIE, null, Duration.ofMinutes(1440)),
        p.sessionPersistence());
    assertTrue(p.healthMonitor().expectedCodes().matches(204));
    assertEquals(false, p.healthMonitor().expectedCodes().matches(200));
  }

  @Test
  void reportsEveryErrorInOnePass() {
    ConfigResult result = parse("""
        { 'admin': { 'port': 0 },
          'listeners': [
            { 'name': 'a', 'protocol': 'TCP', 'protocol_port': 8080, 'default_pool': 'p' },
            { 'name': 'b', 'protocol': 'HTTP', 'protocol_port': 8080, 'default_pool': 'missing',
              'client_timeout': -1, 'ip_group': { 'type': 'white', 'cidrs': [ 'x', '10.0.0.0/8', 'y' ] } },
            { 'protocol': 'FTP', 'protocol_port': 21, 'default_pool': 'p' } ],
          'pools': [ { 'name': 'p', 'protocol': 'TCP',
                       'members': [ { 'address': '10.0.0.1', 'protocol_port': 99999, 'weight': -1 }, 7 ] } ] }
        """);
    assertEquals(List.of(
        "config error: $.admin.port: must be 1-65535",
        "config error: $.listeners[1].protocol_port: port 8080 is already used by listener \"a\"",
        "config error: $.listeners[1].default_pool: no pool named \"missing\"",
        "config error: $.listeners[1].client_timeout: must be more than 0 and at most 86400",
        "config error: $.listeners[1].ip_group.cidrs[0]: must be an IP address or network like 10.0.0.0/8 or ::1/128",
        "config error: $.listeners[1].ip_group.cidrs[2]: must be an IP address or network like 10.0.0.0/8 or ::1/128",
        "config error: $.listeners[2].name: is required",
        "config error: $.listeners[2].protocol: must be one of TCP, UDP, SSL, HTTP, HTTPS, QUIC",
        "config error: $.pools[0].members[1]: must be an object",
        "config error: $.pools[0].members[0].protocol_port: must be 1-65535",
        "config error: $.pools[0].members[0].weight: must be 0-100"), result.errorLines());
    assertNull(result.config());
    assertEquals(false, result.ok());
  }

  @Test
  void warnsOfIrrelevantFieldsWithoutFailing() {
    ConfigResult result = parse("""
        { 'listeners': [ { 'name': 'web', 'protocol': 'HTTP', 'protocol_port': 80, 'default_pool': 'p',
              'l7_policies': [ { 'name': 'f', 'action': 'FIXED_RESPONSE', 'redirect_pool': 'p',
                  'rules': [ { 'type': 'PATH', 'compare_type': 'EQUAL_TO', 'value': '/' } ] } ] } ],
          'pools': [ { 'name': 'p', 'protocol': 'HTTP', 'health_monitor': { 'type': 'TCP', 'url_path': '/x' },
                       'members': [ { 'address': 'localhost', 'protocol_port': 80 } ] } ] }
        """);
    assertTrue(result.ok(), () -> result.errorLines().toString());
    assertEquals(List.of(
        "config warning: $.listeners[0].l7_policies[0].redirect_pool: not used by action FIXED_RESPONSE, ignored",
        "config warning: $.pools[0].health_monitor.url_path: used only by HTTP and HTTPS monitors, ignored"),
        result.warnings());
    assertNull(result.config().listeners().get(0).l7Policies().get(0).redirectPool());
  }

  @Test
  void grpcMonitorsAskAboutTheWholeServerUnlessNamedAndWarnOfHttpFields() {
    ConfigResult result = parse("""
        { 'pools': [ { 'name': 'a', 'protocol': 'HTTP', 'members': [], 'health_monitor': { 'type': 'GRPC' } },
                     { 'name': 'b', 'protocol': 'HTTP', 'members': [],
                       'health_monitor': { 'type': 'GRPC', 'grpc_service_name': 'shop.Cart', 'url_path': '/x',
                                           'expected_codes': '200-299', 'monitor_port': 9000 } },
                     { 'name': 'c', 'protocol': 'TCP', 'members': [],
                       'health_monitor': { 'type': 'HTTP', 'grpc_service_name': 'shop.Cart' } } ] }
        """);
    assertTrue(result.ok(), () -> result.errorLines().toString());
    assertEquals(List.of(
        "config warning: $.pools[1].health_monitor.url_path: used only by HTTP and HTTPS monitors, ignored",
        "config warning: $.pools[1].health_monitor.expected_codes: used only by HTTP and HTTPS monitors, ignored",
        "config warning: $.pools[2].health_monitor.grpc_service_name: used only by GRPC monitors, ignored"),
        result.warnings());
    HealthMonitorConfig whole = result.config().pool("a").orElseThrow().healthMonitor();
    assertEquals(HealthMonitorConfig.Type.GRPC, whole.type());
    assertEquals("", whole.grpcServiceName());
    HealthMonitorConfig named = result.config().pool("b").orElseThrow().healthMonitor();
    assertEquals("shop.Cart", named.grpcServiceName());
    assertEquals(9000, named.monitorPort());
  }

  @Test
  void refusesUnknownFieldsSuggestingTheKnownNameWhenOneIsClose() {
    ConfigResult result = parse("""
        { 'colour': 'blue', 'node': { 'name': 'n', 'nick': 'x' }, 'drain_timeuot': 5,
          'listeners': [ { 'name': 'web', 'protocol': 'HTTP', 'protocol_port': 80, 'default_pool': 'p', 'foo': 1,
              'clientTimeout': 5, 'insert_headers': { 'X-Real-IP': true },
              'l7_policies': [ { 'name': 'f', 'action': 'FIXED_RESPONSE',
                  'rules': [ { 'type': 'PATH', 'compare_type': 'EQUAL_TO', 'value': '/', 'negate': true } ] } ] } ],
          'pools': [ { 'name': 'p', 'protocol': 'HTTP', 'health_moniter': { 'type': 'TCP' },
                       'session-persistence': { 'type': 'HTTP_COOKIE' },
                       'members': [ { 'address': 'localhost', 'protocol_port': 80, 'Weight': 2,
                                      'admin_stat_up': false } ] } ] }
        """);
    // each object's unknown fields in name order, objects in the order the parser met them
    assertEquals(List.of(
        "config error: $.colour: unknown field",
        "config error: $.drain_timeuot: unknown field (did you mean drain_timeout?)",
        "config error: $.node.nick: unknown field",
        "config error: $.listeners[0].clientTimeout: unknown field (did you mean client_timeout?)",
        "config error: $.listeners[0].foo: unknown field",
        "config error: $.pools[0].health_moniter: unknown field (did you mean health_monitor?)",
        "config error: $.pools[0]['session-persistence']: unknown field (did you mean session_persistence?)",
        "config error: $.listeners[0].l7_policies[0].rules[0].negate: unknown field",
        "config error: $.pools[0].members[0].Weight: unknown field (did you mean weight?)",
        "config error: $.pools[0].members[0].admin_stat_up: unknown field (did you mean admin_state_up?)"),
        result.errorLines());
    assertNull(result.config());
  }

  @Test
  void aNameIsCloseWithinOneEditWhenShortAndTwoWhenLong() {
    assertEquals(java.util.Optional.of("port"), NearestName.of("prot", List.of("port", "name")));
    assertEquals(java.util.Optional.empty(), NearestName.of("nick", List.of("name", "event_loops")));
    assertEquals(java.util.Optional.of("max_retries_down"),
        NearestName.of("max_retires_donw", List.of("max_retries", "max_retries_down")));
    assertEquals(java.util.Optional.empty(), NearestName.of("colour", List.of()));
  }

  @Test
  void refusesAKeyThatDoesNotMatchItsCertificateAndACaFileWithoutCertificate() throws IOException {
    Files.copy(TestCerts.STRAY_KEY, dir.resolve("stray.pem"));
    Files.writeString(dir.resolve("not-a-ca.pem"), "hello");
    ConfigResult result = parse("""
        { 'listeners': [ { 'name': 's', 'protocol': 'SSL', 'protocol_port': 443, 'default_pool': 't',
                           'tls': { 'certificate': 'cert.pem', 'private_key': 'stray.pem',
                                    'client_ca': 'not-a-ca.pem' } } ],
          'pools': [ { 'name': 't', 'protocol': 'TCP', 'members': [] } ] }
        """);
    assertEquals(2, result.errorLines().size(), result.errorLines().toString());
    assertTrue(result.errorLines().get(0).startsWith("config error: $.listeners[0].tls.certificate: "));
    assertTrue(result.errorLines().get(0).endsWith("private key does not match the certificate"),
        result.errorLines().get(0));
    assertTrue(result.errorLines().get(1).startsWith("config error: $.listeners[0].tls.client_ca: "),
        result.errorLines().get(1));
  }

  @Test
  void aPrivateKeyFileWithoutAKeyIsNamedByItsOwnField() throws IOException {
    ConfigResult result = parse("""
        { 'listeners': [ { 'name': 's', 'protocol': 'SSL', 'protocol_port': 443, 'default_pool': 't',
                           'tls': { 'certificate': 'cert.pem', 'private_key': 'cert.pem' } } ],
          'pools': [ { 'name': 't', 'protocol': 'TCP', 'members': [] } ] }
        """);
    assertEquals(List.of("config error: $.listeners[0].tls.private_key: " + dir.resolve("cert.pem")
        + ": no private key in file"), result.errorLines());
  }

  @Test
  void warnsWhenAPrivateKeyCanBeReadByOthers() throws IOException {
    Files.setPosixFilePermissions(dir.resolve("key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
    ConfigResult result = parse("""
        { 'listeners': [ { 'name': 's', 'protocol': 'SSL', 'protocol_port': 443, 'default_pool': 't',
                           'tls': { 'certificate': 'cert.pem', 'private_key': 'key.pem' } } ],
          'pools': [ { 'name': 't', 'protocol': 'TCP', 'members': [] } ] }
        """);
    assertTrue(result.ok());
    assertEquals(List.of("config warning: $.listeners[0].tls.private_key: private key file " + dir.resolve("key.pem")
        + " can be read by other users; chmod 600 it"), result.warnings());
  }

  @Test
  void readsTlsAsSsl() {
    GatehouseConfig c = valid("""
        { 'listeners': [ { 'name': 's', 'protocol': 'TLS', 'protocol_port': 443, 'default_pool': 't',
                           'tls': { 'certificate': 'cert.pem', 'private_key': 'key.pem' } } ],
          'pools': [ { 'name': 't', 'protocol': 'TCP', 'members': [] } ] }
        """);
    assertEquals(ListenerProtocol.SSL, c.listeners().get(0).protocol());
    assertEquals(Duration.ofSeconds(300), c.listeners().get(0).keepaliveTimeout());
  }

  @Test
  void resolvesRelativePathsAgainstTheBaseFolderAndKeepsAbsoluteOnes() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("conf"));
    Files.writeString(sub.resolve("gatehouse.json"), json("""
        { 'listeners': [ { 'name': 's', 'protocol': 'SSL', 'protocol_port': 443, 'default_pool': 't',
                           'tls': { 'certificate': '../cert.pem', 'private_key': '%s' } } ],
          'pools': [ { 'name': 't', 'protocol': 'TCP', 'members': [] } ] }
        """.formatted(dir.resolve("key.pem"))));
    ConfigResult result = ConfigParser.load(sub.resolve("gatehouse.json"));
    assertEquals(List.of(), result.errorLines());
    TlsConfig.CertPair pair = result.config().listeners().get(0).tls().main();
    assertEquals(dir.resolve("cert.pem"), pair.certificate());
    assertEquals(dir.resolve("key.pem"), pair.privateKey());

    ConfigResult elsewhere = ConfigParser.parse(Files.readString(sub.resolve("gatehouse.json")), sub.resolve("x"));
    assertEquals(List.of("config error: $.listeners[0].tls.certificate: file not found: " + sub.resolve("cert.pem")),
        elsewhere.errorLines());
  }

  @Test
  void refusesAnUnreadableKey() throws IOException {
    Path key = dir.resolve("key.pem");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("---------"));
    assumeFalse(Files.isReadable(key), "running as root: every file is readable");
    ConfigResult result = ConfigParser.parse(base().encode(), dir);
    assertEquals(List.of("config error: $.listeners[3].tls.private_key: file not readable: " + key),
        result.errorLines());
  }

  @Test
  void listenersOnDifferentAddressesOrTransportsShareAPortWithEachOtherAndTheAdminApi() {
    valid("""
        { 'listeners': [
            { 'name': 'a', 'protocol': 'TCP', 'host': '127.0.0.1', 'protocol_port': 53, 'default_pool': 't' },
            { 'name': 'b', 'protocol': 'TCP', 'host': '127.0.0.2', 'protocol_port': 53, 'default_pool': 't' },
            { 'name': 'c', 'protocol': 'UDP', 'protocol_port': 53, 'default_pool': 'u' },
            { 'name': 'd', 'protocol': 'UDP', 'protocol_port': 9900, 'default_pool': 'u' },
            { 'name': 'e', 'protocol': 'TCP', 'host': '127.0.0.2', 'protocol_port': 9900, 'default_pool': 't' } ],
          'pools': [ { 'name': 't', 'protocol': 'TCP', 'members': [] },
                     { 'name': 'u', 'protocol': 'UDP', 'members': [] } ] }
        """);
    ConfigResult clash = parse("""
        { 'listeners': [
            { 'name': 'a', 'protocol': 'HTTP', 'host': '::1', 'protocol_port': 80, 'default_pool': 'h' },
            { 'name': 'b', 'protocol': 'SSL', 'host': '::', 'protocol_port': 80, 'default_pool': 't' } ],
          'pools': [ { 'name': 't', 'protocol': 'TCP', 'members': [] },
                     { 'name': 'h', 'protocol': 'HTTP', 'members': [] } ] }
        """);
    assertEquals(List.of("config error: $.listeners[1].protocol_port: port 80 is already used by listener \"a\"",
        "config error: $.listeners[1].tls: is required for SSL listeners"), clash.errorLines());
  }

  @Test
  void digestIgnoresFormattingAndKeyOrderButNotContent() {
    String compact = "{\"pools\":[{\"name\":\"p\",\"protocol\":\"TCP\",\"members\":[]}],\"drain_timeout\":5}";
    String reformatted = "{\n  \"drain_timeout\" : 5,\n  \"pools\" : [ {\n    \"members\" : [ ],\n"
        + "    \"protocol\" : \"TCP\",\n    \"name\" : \"\\u0070\"\n  } ]\n}\n";
    String a = ConfigParser.parse(compact, dir).digest();
    assertEquals(64, a.length());
    assertEquals(a, ConfigParser.parse(reformatted, dir).digest());
    assertNotEquals(a, ConfigParser.parse(compact.replace("5}", "6}"), dir).digest());
    // an invalid version still has a digest, so an unchanged bad file is recognised as unchanged
    assertEquals(ConfigParser.parse("{\"x\":[1, 2]}", dir).digest(), ConfigParser.parse("{ \"x\": [1,2] }", dir).digest());
  }

  @Test
  void theSharedDigestIgnoresWhatEachNodeHasOfItsOwn() {
    String a = "{\"node\":{\"name\":\"gw-1\"},\"admin\":{\"port\":9901},\"drain_timeout\":5}";
    String b = "{\"node\":{\"name\":\"gw-2\",\"event_loops\":1},\"admin\":{\"port\":9902},\"drain_timeout\":5}";
    ConfigResult first = ConfigParser.parse(a, dir);
    assertEquals(first.sharedDigest(), ConfigParser.parse(b, dir).sharedDigest());
    assertNotEquals(first.digest(), ConfigParser.parse(b, dir).digest(), "the whole file's digest still sees them");
    assertNotEquals(first.sharedDigest(), ConfigParser.parse(a.replace("5}", "6}"), dir).sharedDigest());
  }

  @Test
  void reportsInvalidJsonWithItsPlace() {
    assertEquals(List.of("config error: $: invalid JSON: Unexpected character ('}' (code 125)): was expecting "
        + "double-quote to start field name at line 2, column 10"),
        ConfigParser.parse("{\"a\": 1,\n  \"b\": 2,}", dir).errorLines());
    assertEquals(List.of("config error: $: invalid JSON: Duplicate field 'node' at line 1, column 19"),
        ConfigParser.parse("{\"node\":{}, \"node\":{}}", dir).errorLines());
    assertEquals(List.of("config error: $: invalid JSON: content after the end of the document at line 1, column 5"),
        ConfigParser.parse("{} {}", dir).errorLines());
    assertEquals(List.of("config error: $: invalid JSON: the document is empty"),
        ConfigParser.parse(" \n", dir).errorLines());
    ConfigResult array = ConfigParser.parse("[]", dir);
    assertEquals(List.of("config error: $: must be an object"), array.errorLines());
    assertNull(ConfigParser.parse("{", dir).digest());
  }

  @Test
  void loadsAFileWithAByteOrderMark() throws IOException {
    Path file = Files.writeString(dir.resolve("bom.json"), "\uFEFF{\"access_log\": false}");
    ConfigResult result = ConfigParser.load(file);
    assertEquals(List.of(), result.errorLines());
    assertEquals(false, result.config().accessLog());
  }

  @Test
  void reportsAFileThatCannotBeRead() {
    ConfigResult result = ConfigParser.load(dir.resolve("nope.json"));
    assertEquals(List.of("config error: $: cannot read " + dir.resolve("nope.json") + ": No such file"),
        result.errorLines());
    assertNull(result.config());
    assertNull(result.digest());
  }

  @Test
  void numbersBeyondALongAreRangeErrorsNotCrashes() {
    ConfigResult result = parse("""
        { 'drain_timeout': 1e400, 'admin': { 'port': 123456789012345678901234567890 } }
        """);
    assertEquals(List.of("config error: $.admin.port: must be 1-65535", "config error: $.drain_timeout: must be 0-3600"),
        result.errorLines());
  }

  @Test
  void readsTrustedProxiesAndTheThreeWaysOfXForwardedFor() {
    GatehouseConfig c = valid("""
        { 'listeners': [
            { 'name': 'a', 'protocol': 'HTTP', 'protocol_port': 8080, 'default_pool': 'p',
              'trusted_proxies': [ '10.0.0.0/8', '::1' ], 'insert_headers': { 'X-Forwarded-For': 'replace' } },
            { 'name': 'b', 'protocol': 'HTTP', 'protocol_port': 8081, 'default_pool': 'p',
              'insert_headers': { 'X-Forwarded-For': false } },
            { 'name': 'c', 'protocol': 'HTTP', 'protocol_port': 8082, 'default_pool': 'p', 'trusted_proxies': [] } ],
          'pools': [ { 'name': 'p', 'protocol': 'HTTP', 'members': [] } ] }
        """);
    ListenerConfig a = c.listener("a").orElseThrow();
    assertEquals(InsertHeaders.XForwardedFor.REPLACE, a.insertHeaders().xForwardedFor());
    assertEquals(List.of(Cidr.parse("10.0.0.0/8").orElseThrow(), Cidr.parse("::1").orElseThrow()), a.trustedProxies());
    assertTrue(a.forwardsFor(new byte[] {10, 1, 2, 3}));
    assertTrue(!a.forwardsFor(new byte[] {11, 1, 2, 3}));
    assertEquals(InsertHeaders.XForwardedFor.OFF, c.listener("b").orElseThrow().insertHeaders().xForwardedFor());
    ListenerConfig plain = c.listener("c").orElseThrow();
    assertEquals(InsertHeaders.XForwardedFor.APPEND, plain.insertHeaders().xForwardedFor());
    assertEquals(List.of(), plain.trustedProxies());
    assertTrue(!plain.forwardsFor(new byte[] {127, 0, 0, 1}));
  }

  @Test
  void trustedProxiesTakeIpv4MappedNetworksAsIpv4AndRefuseWiderOnes() {
    GatehouseConfig c = valid("""
        { 'listeners': [
            { 'name': 'a', 'protocol': 'HTTP', 'protocol_port': 8080, 'default_pool': 'p',
              'trusted_proxies': [ '::ffff:10.0.0.0/104', '::/0' ] } ],
          'pools': [ { 'name': 'p', 'protocol': 'HTTP', 'members': [] } ] }
        """);
    ListenerConfig a = c.listener("a").orElseThrow();
    assertTrue(a.forwardsFor(new byte[] {10, 9, 8, 7}), "the mapped network is 10.0.0.0/8");
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 9, 8, 7};
    assertTrue(a.forwardsFor(mapped), "and so is an address written mapped");
    byte[] mappedOther = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 11, 9, 8, 7};
    assertTrue(!a.forwardsFor(mappedOther), "::/0 is every IPv6 address, not an IPv4 one written mapped");
    assertTrue(!a.forwardsFor(new byte[] {11, 9, 8, 7}));
    assertTrue(a.forwardsFor(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
    assertEquals(List.of("config error: $.listeners[0].trusted_proxies[0]: an IPv4-mapped network (::ffff:a.b.c.d/n)"
        + " needs a prefix of 96 to 128; or write it as IPv4"), parse("""
        { 'listeners': [
            { 'name': 'a', 'protocol': 'HTTP', 'protocol_port': 8080, 'default_pool': 'p',
              'trusted_proxies': [ '::ffff:10.0.0.0/8' ] } ],
          'pools': [ { 'name': 'p', 'protocol': 'HTTP', 'members': [] } ] }
        """).errorLines());
  }
}
