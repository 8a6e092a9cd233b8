package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.REMOVE;
import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One broken field at a time in an otherwise valid document: exactly one contract line, no configuration and no
 * warning.
 */
class ConfigRulesTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void pems() throws IOException {
    TestDocuments.writePems(dir);
  }

  static Stream<Arguments> rules() {
    return Stream.of(
        // top level
        rule("node.event_loops", "0", "$.node.event_loops: must be 1-256"),
        rule("node.event_loops", "2.5", "$.node.event_loops: must be an integer"),
        rule("node.name", "''", "$.node.name: must not be empty"),
        rule("node", "[]", "$.node: must be an object"),
        rule("admin.host", "'localhost'", "$.admin.host: must be an IP address"),
        rule("admin.port", "70000", "$.admin.port: must be 1-65535"),
        rule("admin.port", "'9900'", "$.admin.port: must be an integer"),
        rule("admin.token", "5", "$.admin.token: must be a string"),
        rule("cluster.enabled", "'yes'", "$.cluster.enabled: must be a boolean"),
        rule("cluster.secret", "''", "$.cluster.secret: must not be empty"),
        rule("cluster.secret", "'   '", "$.cluster.secret: must not be empty"),
        rule("cluster.secret", "42", "$.cluster.secret: must be a string"),
        rule("cluster.secret_file", "''", "$.cluster.secret_file: must not be empty"),
        rule("cluster.secret_file", "'no-such-secret'", "$.cluster.secret_file: file not found: {dir}/no-such-secret"),
        rule("cluster.secret_file", "'.'", "$.cluster.secret_file: not a file: {dir}"),
        rule("reload.scan_period_ms", "50", "$.reload.scan_period_ms: must be 0 (no scanning) or 100-3600000"),
        rule("drain_timeout", "3601", "$.drain_timeout: must be 0-3600"),
        rule("drain_timeout", "'30'", "$.drain_timeout: must be a number"),
        rule("access_log", "1", "$.access_log: must be a boolean"),
        rule("listeners", "{}", "$.listeners: must be a list"),
        rule("pools[4]", "'udp-pool'", "$.pools[4]: must be an object"),
        // listener
        rule("listeners[1].name", REMOVE, "$.listeners[1].name: is required"),
        rule("listeners[1].name", "'web'", "$.listeners[1].name: name \"web\" is already used by $.listeners[0]"),
        rule("listeners[1].protocol", "'SCTP'", "$.listeners[1].protocol: must be one of TCP, UDP, SSL, HTTP, HTTPS, QUIC"),
        rule("listeners[1].protocol", "'tcp'", "$.listeners[1].protocol: must be one of TCP, UDP, SSL, HTTP, HTTPS, QUIC"),
        rule("listeners[1].protocol", REMOVE, "$.listeners[1].protocol: is required"),
        rule("listeners[1].host", "'10.0.0.256'", "$.listeners[1].host: must be an IP address"),
        rule("listeners[1].host", "'1:::2'", "$.listeners[1].host: must be an IP address"),
        rule("listeners[1].protocol_port", "0", "$.listeners[1].protocol_port: must be 1-65535"),
        rule("listeners[1].protocol_port", "65536", "$.listeners[1].protocol_port: must be 1-65535"),
        rule("listeners[1].protocol_port", "1.5", "$.listeners[1].protocol_port: must be an integer"),
        rule("listeners[1].protocol_port", "'80'", "$.listeners[1].protocol_port: must be an integer"),
        rule("listeners[1].protocol_port", REMOVE, "$.listeners[1].protocol_port: is required"),
        rule("listeners[1].protocol_port", "8080", "$.listeners[1].protocol_port: port 8080 is already used by listener \"web\""),
        rule("listeners[1].protocol_port", "9900", "$.listeners[1].protocol_port: port 9900 is already used by the admin API"),
        rule("admin.port", "9000", "$.listeners[1].protocol_port: port 9000 is already used by the admin API"),
        rule("listeners[1].default_pool", REMOVE, "$.listeners[1].default_pool: is required"),
        rule("listeners[1].default_pool", "'x'", "$.listeners[1].default_pool: no pool named \"x\""),
        rule("listeners[1].default_pool", "'udp-pool'",
            "$.listeners[1].default_pool: pool \"udp-pool\" has protocol UDP, which a TCP listener cannot use"),
        rule("listeners[0].default_pool", "'tcp-pool'",
            "$.listeners[0].default_pool: pool \"tcp-pool\" has protocol TCP, which a HTTP listener cannot use"),
        rule("listeners[1].connection_limit", "0", "$.listeners[1].connection_limit: must be -1 (no limit) or 1-2147483647"),
        rule("listeners[1].client_timeout", "0", "$.listeners[1].client_timeout: must be more than 0 and at most 86400"),
        rule("listeners[1].member_timeout", "86400.5", "$.listeners[1].member_timeout: must be more than 0 and at most 86400"),
        rule("listeners[1].keepalive_timeout", "true", "$.listeners[1].keepalive_timeout: must be a number"),
        rule("listeners[0].insert_headers", "{'X-Forwarded-Foo': true}",
            "$.listeners[0].insert_headers['X-Forwarded-Foo']: unknown header, must be one of X-Forwarded-For, "
                + "X-Forwarded-Proto, X-Forwarded-Port, X-Forwarded-Host, X-Real-IP, X-Forwarded-ELB-IP, "
                + "X-Request-Id, traceparent"),
        rule("listeners[0].insert_headers", "{'X-Real-IP': 'yes'}",
            "$.listeners[0].insert_headers['X-Real-IP']: must be a boolean"),
        rule("listeners[1].insert_headers", "{'X-Real-IP': true}",
            "$.listeners[1].insert_headers: only HTTP and HTTPS listeners insert headers"),
        rule("listeners[0].insert_headers", "{'X-Forwarded-For': 'append'}",
            "$.listeners[0].insert_headers['X-Forwarded-For']: must be true (append), false or \"replace\""),
        rule("listeners[0].trusted_proxies", "['10.0.0.0/8', '10.0.0.0/33']",
            "$.listeners[0].trusted_proxies[1]: must be an IP address or network like 10.0.0.0/8 or ::1/128"),
        rule("listeners[0].trusted_proxies", "'10.0.0.0/8'", "$.listeners[0].trusted_proxies: must be a list"),
        rule("listeners[1].trusted_proxies", "['10.0.0.0/8']",
            "$.listeners[1].trusted_proxies: only HTTP and HTTPS listeners take trusted_proxies"),
        rule("listeners[3].tls", REMOVE, "$.listeners[3].tls: is required for HTTPS listeners"),
        rule("listeners[1].protocol", "'SSL'", "$.listeners[1].tls: is required for SSL listeners"),
        rule("listeners[1].tls", "{'certificate': 'cert.pem', 'private_key': 'key.pem'}",
            "$.listeners[1].tls: only SSL, HTTPS and QUIC listeners take tls"),
        rule("listeners[1].http2_enable", "true", "$.listeners[1].http2_enable: only HTTP and HTTPS listeners take http2_enable"),
        rule("listeners[0].http2_enable", "'on'", "$.listeners[0].http2_enable: must be a boolean"),
        rule("listeners[1].ip_group", "{'type': 'grey', 'cidrs': ['10.0.0.0/8']}",
            "$.listeners[1].ip_group.type: must be one of white, black"),
        rule("listeners[1].ip_group", "{'type': 'white', 'cidrs': []}", "$.listeners[1].ip_group.cidrs: must not be empty"),
        rule("listeners[1].ip_group", "{'type': 'white'}", "$.listeners[1].ip_group.cidrs: is required"),
        rule("listeners[1].accept_proxy_protocol", "{}", "$.listeners[1].accept_proxy_protocol.trusted_cidrs: is required"),
        rule("listeners[1].client_connection_limit", "0", "$.listeners[1].client_connection_limit: must be -1 (no limit) or 1-2147483647"),
        rule("listeners[1].client_request_rate", "{'per_second': 5}",
            "$.listeners[1].client_request_rate: only HTTP and HTTPS listeners take client_request_rate"),
        rule("listeners[0].client_request_rate", "{'per_second': 0}",
            "$.listeners[0].client_request_rate.per_second: must be more than 0 and at most 1000000"),
        rule("listeners[0].client_request_rate", "{}", "$.listeners[0].client_request_rate.per_second: is required"),
        rule("listeners[1].accept_proxy_protocol", "{'trusted_cidrs': ['10.0.0.0/8', 'x']}",
            "$.listeners[1].accept_proxy_protocol.trusted_cidrs[1]: must be an IP address or network like 10.0.0.0/8 or ::1/128"),
        rule("listeners[2].accept_proxy_protocol", "{'trusted_cidrs': ['10.0.0.0/8']}",
            "$.listeners[2].accept_proxy_protocol: UDP and QUIC listeners do not take accept_proxy_protocol"),
        rule("listeners[1].ip_group", "{'type': 'BLACK', 'cidrs': ['10.0.0.0/8', '10.0.0.0/33']}",
            "$.listeners[1].ip_group.cidrs[1]: must be an IP address or network like 10.0.0.0/8 or ::1/128"),
        rule("listeners[1].l7_policies", "[]", "$.listeners[1].l7_policies: only HTTP and HTTPS listeners take l7_policies"),
        // QUIC (HTTP/3) listener
        rule("listeners[4]", "{'name': 'h3', 'protocol': 'QUIC', 'protocol_port': 8443, 'default_pool': 'web-pool'}",
            "$.listeners[4].tls: is required for QUIC listeners"),
        rule("listeners[4]", "{'name': 'h3', 'protocol': 'QUIC', 'protocol_port': 8443, 'default_pool': 'web-pool',"
            + " 'tls': {'certificate': 'cert.pem', 'private_key': 'key.pem', 'security_policy': 'tls-1-2'}}",
            "$.listeners[4].tls.security_policy: a QUIC listener takes only tls-1-3 (QUIC is TLS 1.3 only, and its TLS"
                + " library cannot choose suites), not tls-1-2"),
        rule("listeners[4]", "{'name': 'h3', 'protocol': 'QUIC', 'protocol_port': 8443, 'default_pool': 'web-pool',"
            + " 'tls': {'certificate': 'cert.pem', 'private_key': 'key.pem', 'engine': 'jdk'}}",
            "$.listeners[4].tls.engine: a QUIC listener's TLS is the QUIC library's own BoringSSL: it takes no engine"
                + " \"jdk\""),
        rule("listeners[4]", "{'name': 'h3', 'protocol': 'QUIC', 'protocol_port': 8443, 'default_pool': 'tcp-pool',"
            + " 'tls': {'certificate': 'cert.pem', 'private_key': 'key.pem'}}",
            "$.listeners[4].default_pool: pool \"tcp-pool\" has protocol TCP, which a QUIC listener cannot use"),
        rule("listeners[4]", "{'name': 'h3', 'protocol': 'QUIC', 'protocol_port': 9053, 'default_pool': 'web-pool',"
            + " 'tls': {'certificate': 'cert.pem', 'private_key': 'key.pem'}}",
            "$.listeners[4].protocol_port: port 9053 is already used by listener \"udp\""),
        rule("listeners[3].advertise_http3", "'h3'", "$.listeners[3].advertise_http3: no listener named \"h3\""),
        rule("listeners[3].advertise_http3", "'web'",
            "$.listeners[3].advertise_http3: listener \"web\" has protocol HTTP, not QUIC"),
        rule("listeners[0].advertise_http3", "'secure'",
            "$.listeners[0].advertise_http3: only HTTPS listeners take advertise_http3"),
        rule("listeners[3].advertise_http3", "3", "$.listeners[3].advertise_http3: must be a string"),
        rule("listeners[0].proxy_protocol", "true", "$.listeners[0].proxy_protocol: only TCP and SSL listeners take proxy_protocol"),
        rule("listeners[0].max_body_size", "-2", "$.listeners[0].max_body_size: must be -1 (unbounded) or at least 0"),
        rule("listeners[1].max_body_size", "1024", "$.listeners[1].max_body_size: only HTTP and HTTPS listeners take max_body_size"),
        rule("listeners[0].max_header_size", "1023", "$.listeners[0].max_header_size: must be 1024-1048576"),
        rule("listeners[3].max_header_size", "1048577", "$.listeners[3].max_header_size: must be 1024-1048576"),
        rule("listeners[0].max_header_size", "'32k'", "$.listeners[0].max_header_size: must be an integer"),
        rule("listeners[1].max_header_size", "4096", "$.listeners[1].max_header_size: only HTTP and HTTPS listeners take max_header_size"),
        rule("listeners[0].max_headers", "0", "$.listeners[0].max_headers: must be 1-10000"),
        rule("listeners[3].max_headers", "10001", "$.listeners[3].max_headers: must be 1-10000"),
        rule("listeners[0].max_headers", "-1", "$.listeners[0].max_headers: must be 1-10000"),
        rule("listeners[2].max_headers", "100", "$.listeners[2].max_headers: only HTTP and HTTPS listeners take max_headers"),
        rule("listeners[1].merge_slashes", "false", "$.listeners[1].merge_slashes: only HTTP and HTTPS listeners take merge_slashes"),
        rule("listeners[0].merge_slashes", "'no'", "$.listeners[0].merge_slashes: must be a boolean"),
        rule("listeners[0].escaped_slashes", "'drop'", "$.listeners[0].escaped_slashes: must be one of reject, keep"),
        rule("listeners[2].escaped_slashes", "'keep'",
            "$.listeners[2].escaped_slashes: only HTTP and HTTPS listeners take escaped_slashes"),
        // tls
        rule("listeners[3].tls.certificate", REMOVE, "$.listeners[3].tls.certificate: is required"),
        rule("listeners[3].tls.private_key", "'nope.pem'", "$.listeners[3].tls.private_key: file not found: {dir}/nope.pem"),
        rule("listeners[3].tls.certificate", "'.'", "$.listeners[3].tls.certificate: not a file: {dir}"),
        rule("listeners[3].tls.client_ca", "'ca-missing.pem'", "$.listeners[3].tls.client_ca: file not found: {dir}/ca-missing.pem"),
        rule("listeners[3].tls.security_policy", "'tls-1-4'", "$.listeners[3].tls.security_policy: must be one of "
            + "tls-1-0, tls-1-1, tls-1-2, tls-1-2-strict, tls-1-2-fs, tls-1-0-with-1-3, tls-1-2-fs-with-1-3, tls-1-3"),
        rule("listeners[3].tls.sni_certificates", "[{'certificate': 'sni-cert.pem'}]",
            "$.listeners[3].tls.sni_certificates[0].private_key: is required"),
        // l7 policies
        rule("listeners[0].l7_policies[0].name", REMOVE, "$.listeners[0].l7_policies[0].name: is required"),
        rule("listeners[0].l7_policies[0].position", "0", "$.listeners[0].l7_policies[0].position: must be at least 1"),
        rule("listeners[0].l7_policies[0].rules", "[]", "$.listeners[0].l7_policies[0].rules: must not be empty"),
        rule("listeners[0].l7_policies[0].rules", REMOVE, "$.listeners[0].l7_policies[0].rules: is required"),
        rule("listeners[0].l7_policies[0].rules[0].type", "'COOKIE'", "$.listeners[0].l7_policies[0].rules[0].type: "
            + "must be one of HOST_NAME, PATH, HEADER, QUERY_STRING, METHOD"),
        rule("listeners[0].l7_policies[0].rules[0].compare_type", "'CONTAINS'",
            "$.listeners[0].l7_policies[0].rules[0].compare_type: must be one of EQUAL_TO, STARTS_WITH, REGEX"),
        rule("listeners[0].l7_policies[0].rules[0].type", "'HEADER'",
            "$.listeners[0].l7_policies[0].rules[0].key: is required for HEADER rules"),
        rule("listeners[0].l7_policies[0].rules[0].key", "'X-Api'",
            "$.listeners[0].l7_policies[0].rules[0].key: only HEADER and QUERY_STRING rules take a key"),
        rule("listeners[0].l7_policies[0].rules[0].value", "''", "$.listeners[0].l7_policies[0].rules[0].value: must not be empty"),
        rule("listeners[0].l7_policies[0].rules[0]", "{'type': 'PATH', 'compare_type': 'REGEX', 'value': '/a(b'}",
            "$.listeners[0].l7_policies[0].rules[0].value: invalid regular expression: Unclosed group near index 4"),
        rule("listeners[0].l7_policies[0].action", "'DROP'", "$.listeners[0].l7_policies[0].action: must be one of "
            + "REDIRECT_TO_POOL, REDIRECT_TO_URL, REDIRECT_TO_LISTENER, FIXED_RESPONSE"),
        rule("listeners[0].l7_policies[0].redirect_pool", "'nowhere'",
            "$.listeners[0].l7_policies[0].redirect_pool: no pool named \"nowhere\""),
        rule("listeners[0].l7_policies[0].redirect_pool", "'udp-pool'", "$.listeners[0].l7_policies[0].redirect_pool: "
            + "pool \"udp-pool\" has protocol UDP, which a HTTP listener cannot use"),
        rule("listeners[0].l7_policies[0].redirect_pool", REMOVE, "$.listeners[0].l7_policies[0].redirect_pool: is required"),
        rule("listeners[0].l7_policies[1]", "{'name': 'api', 'rules': [{'type': 'METHOD', 'compare_type': 'EQUAL_TO', "
            + "'value': 'PUT'}], 'action': 'FIXED_RESPONSE'}",
            "$.listeners[0].l7_policies[1].name: name \"api\" is already used by $.listeners[0].l7_policies[0]"),
        rule("listeners[0].l7_policies[1]", "{'name': 'u', 'rules': [{'type': 'PATH', 'compare_type': 'EQUAL_TO', "
            + "'value': '/'}], 'action': 'REDIRECT_TO_URL', 'redirect_url': '/relative'}",
            "$.listeners[0].l7_policies[1].redirect_url: must be an absolute http or https URL"),
        rule("listeners[0].l7_policies[1]", "{'name': 'u', 'rules': [{'type': 'PATH', 'compare_type': 'EQUAL_TO', "
            + "'value': '/'}], 'action': 'REDIRECT_TO_URL', 'redirect_url': 'ftp://x/'}",
            "$.listeners[0].l7_policies[1].redirect_url: must be an absolute http or https URL"),
        rule("listeners[0].l7_policies[1]", "{'name': 'u', 'rules': [{'type': 'PATH', 'compare_type': 'EQUAL_TO', "
            + "'value': '/'}], 'action': 'REDIRECT_TO_URL', 'redirect_url': 'https://x/', 'status_code': 200}",
            "$.listeners[0].l7_policies[1].status_code: must be one of 301, 302, 303, 307, 308"),
        rule("listeners[0].l7_policies[1]", "{'name': 'l', 'rules': [{'type': 'PATH', 'compare_type': 'EQUAL_TO', "
            + "'value': '/'}], 'action': 'REDIRECT_TO_LISTENER', 'redirect_listener': 'tcp'}",
            "$.listeners[0].l7_policies[1].redirect_listener: listener \"tcp\" has protocol TCP, not HTTP or HTTPS"),
        rule("listeners[0].l7_policies[1]", "{'name': 'l', 'rules': [{'type': 'PATH', 'compare_type': 'EQUAL_TO', "
            + "'value': '/'}], 'action': 'REDIRECT_TO_LISTENER', 'redirect_listener': 'web'}",
            "$.listeners[0].l7_policies[1].redirect_listener: must name another listener"),
        rule("listeners[0].l7_policies[1]", "{'name': 'l', 'rules': [{'type': 'PATH', 'compare_type': 'EQUAL_TO', "
            + "'value': '/'}], 'action': 'REDIRECT_TO_LISTENER', 'redirect_listener': 'gone'}",
            "$.listeners[0].l7_policies[1].redirect_listener: no listener named \"gone\""),
        rule("listeners[0].l7_policies[1]", "{'name': 'f', 'rules': [{'type': 'PATH', 'compare_type': 'EQUAL_TO', "
            + "'value': '/'}], 'action': 'FIXED_RESPONSE', 'status_code': 600}",
            "$.listeners[0].l7_policies[1].status_code: must be 200-599"),
        rule("listeners[0].l7_policies[1]", "{'name': 'f', 'rules': [{'type': 'PATH', 'compare_type': 'EQUAL_TO', "
            + "'value': '/'}], 'action': 'FIXED_RESPONSE', 'body': '" + "x".repeat(8193) + "'}",
            "$.listeners[0].l7_policies[1].body: must be at most 8192 characters"),
        // pool
        rule("pools[4]", "{'name': 'web-pool', 'protocol': 'TCP', 'members': []}",
            "$.pools[4].name: name \"web-pool\" is already used by $.pools[0]"),
        rule("pools[1].protocol", "'SSL'", "$.pools[1].protocol: must be one of TCP, UDP, HTTP, HTTPS, HTTP2"),
        rule("pools[1].lb_algorithm", "'RANDOM'", "$.pools[1].lb_algorithm: must be one of ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_IP"),
        rule("pools[1].members", REMOVE, "$.pools[1].members: is required"),
        rule("pools[1].members", "{}", "$.pools[1].members: must be a list"),
        rule("pools[0].members[0].address", "'bad_host!'", "$.pools[0].members[0].address: must be an IP address or host name"),
        rule("pools[0].members[0].address", REMOVE, "$.pools[0].members[0].address: is required"),
        rule("pools[0].members[0].protocol_port", "0", "$.pools[0].members[0].protocol_port: must be 1-65535"),
        rule("pools[0].members[0].weight", "101", "$.pools[0].members[0].weight: must be 0-100"),
        rule("pools[0].members[0].admin_state_up", "'true'", "$.pools[0].members[0].admin_state_up: must be a boolean"),
        rule("pools[0].members[1]", "{'address': '10.0.0.1', 'protocol_port': 80}",
            "$.pools[0].members[1]: member 10.0.0.1:80 is already listed at $.pools[0].members[0]"),
        rule("pools[1].session_persistence", "{'type': 'STICKY'}",
            "$.pools[1].session_persistence.type: must be one of SOURCE_IP, HTTP_COOKIE, APP_COOKIE"),
        rule("pools[1].session_persistence", "{'type': 'APP_COOKIE'}", "$.pools[1].session_persistence.cookie_name: is required"),
        rule("pools[1].session_persistence", "{'type': 'APP_COOKIE', 'cookie_name': 'a b'}",
            "$.pools[1].session_persistence.cookie_name: must be a cookie name (letters, digits and !#$%&'*+-.^_`|~)"),
        rule("pools[1].session_persistence", "{'type': 'HTTP_COOKIE', 'cookie_name': 'sid'}",
            "$.pools[1].session_persistence.cookie_name: only APP_COOKIE takes a cookie_name"),
        rule("pools[2].session_persistence", "{'type': 'HTTP_COOKIE'}",
            "$.pools[2].session_persistence.type: HTTP_COOKIE needs an HTTP, HTTPS or HTTP2 pool"),
        rule("pools[2].session_persistence", "{'type': 'SOURCE_IP', 'persistence_timeout': 61}",
            "$.pools[2].session_persistence.persistence_timeout: must be 1-60"),
        rule("pools[1].session_persistence", "{'type': 'HTTP_COOKIE', 'persistence_timeout': 1441}",
            "$.pools[1].session_persistence.persistence_timeout: must be 1-1440"),
        rule("pools[1].slow_start", "{'enable': true, 'duration': 29}", "$.pools[1].slow_start.duration: must be 30-1200"),
        rule("pools[1].slow_start", "{'enable': 1}", "$.pools[1].slow_start.enable: must be a boolean"),
        rule("pools[1].deregistration_delay", "-1", "$.pools[1].deregistration_delay: must be 0-3600"),
        rule("pools[1].deregistration_delay", "3601", "$.pools[1].deregistration_delay: must be 0-3600"),
        rule("pools[1].deregistration_delay", "'300'", "$.pools[1].deregistration_delay: must be a number"),
        rule("pools[1].deregistration_dealy", "300",
            "$.pools[1].deregistration_dealy: unknown field (did you mean deregistration_delay?)"),
        rule("pools[1].outlier_detection", "{'consecutive_failures': 0}",
            "$.pools[1].outlier_detection.consecutive_failures: must be 1-100"),
        rule("pools[1].outlier_detection", "{'consecutive_failures': 101}",
            "$.pools[1].outlier_detection.consecutive_failures: must be 1-100"),
        rule("pools[1].outlier_detection", "{'consecutive_failures': 2.5}",
            "$.pools[1].outlier_detection.consecutive_failures: must be an integer"),
        rule("pools[1].outlier_detection", "{'base_ejection_time': 0.5}",
            "$.pools[1].outlier_detection.base_ejection_time: must be 1-3600"),
        rule("pools[1].outlier_detection", "{'base_ejection_time': 3601}",
            "$.pools[1].outlier_detection.base_ejection_time: must be 1-3600"),
        rule("pools[1].outlier_detection", "{'base_ejection_time': '30'}",
            "$.pools[1].outlier_detection.base_ejection_time: must be a number"),
        rule("pools[1].outlier_detection", "{'enabled': 'no'}", "$.pools[1].outlier_detection.enabled: must be a boolean"),
        rule("pools[1].outlier_detection", "5", "$.pools[1].outlier_detection: must be an object"),
        // health monitor
        rule("pools[1].health_monitor", "{}", "$.pools[1].health_monitor.type: is required"),
        rule("pools[1].health_monitor", "{'type': 'PING'}",
            "$.pools[1].health_monitor.type: must be one of TCP, UDP_CONNECT, HTTP, HTTPS, GRPC"),
        rule("pools[1].health_monitor", "{'type': 'UDP_CONNECT'}", "$.pools[1].health_monitor.type: UDP_CONNECT monitors only UDP pools"),
        rule("pools[3].health_monitor", "{'type': 'HTTPS'}",
            "$.pools[3].health_monitor.type: a UDP pool takes only UDP_CONNECT, TCP or HTTP monitors"),
        rule("pools[3].health_monitor", "{'type': 'GRPC'}",
            "$.pools[3].health_monitor.type: a UDP pool takes only UDP_CONNECT, TCP or HTTP monitors"),
        rule("pools[1].health_monitor", "{'type': 'GRPC', 'grpc_service_name': 7}",
            "$.pools[1].health_monitor.grpc_service_name: must be a string"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'delay': 0}",
            "$.pools[1].health_monitor.delay: must be more than 0 and at most 86400"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'delay': 2, 'timeout': 2.5}",
            "$.pools[1].health_monitor.timeout: must not exceed delay"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'max_retries': 11}", "$.pools[1].health_monitor.max_retries: must be 1-10"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'max_retries_down': 0}",
            "$.pools[1].health_monitor.max_retries_down: must be 1-10"),
        rule("pools[1].health_monitor", "{'type': 'TCP', 'monitor_port': 0}", "$.pools[1].health_monitor.monitor_port: must be 1-65535"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'url_path': 'health'}",
            "$.pools[1].health_monitor.url_path: must start with \"/\""),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'http_method': 'get'}",
            "$.pools[1].health_monitor.http_method: must be one of GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'domain_name': 'not a host'}",
            "$.pools[1].health_monitor.domain_name: must be a host name"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'expected_codes': '200-99'}",
            "$.pools[1].health_monitor.expected_codes: must be codes 100-599 like 200, 200,202 or 200-399"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'expected_codes': 700}",
            "$.pools[1].health_monitor.expected_codes: must be codes 100-599 like 200, 200,202 or 200-399"),
        rule("pools[1].health_monitor", "{'type': 'HTTP', 'expected_codes': 2.5}",
            "$.pools[1].health_monitor.expected_codes: must be a string"),
        // TLS engines and member verification
        rule("listeners[3].tls.engine", "'openssl'", "$.listeners[3].tls.engine: must be one of boringssl, jdk"),
        rule("pools[0].ca_certificate", "'ca.pem'", "$.pools[0].ca_certificate: only HTTPS pools take ca_certificate"),
        rule("pools[0].tls_server_name", "'www.example.test'",
            "$.pools[0].tls_server_name: only HTTPS pools take tls_server_name"),
        rule("pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', 'ca_certificate': 'nope.pem', 'members': []}",
            "$.pools[1].ca_certificate: file not found: {dir}/nope.pem"),
        rule("pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', 'ca_certificate': 'key.pem', 'members': []}",
            "$.pools[1].ca_certificate: {dir}/key.pem: no certificate in file"),
        rule("pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', 'ca_certificate': 'ca.pem', "
            + "'tls_server_name': '10.0.0.1', 'members': []}", "$.pools[1].tls_server_name: must be a host name"),
        // HTTP/2 to members
        rule("pools[0].alpn_protocols", "['h2']", "$.pools[0].alpn_protocols: only HTTPS pools take alpn_protocols"),
        rule("pools[1]", "{'name': 'api-pool', 'protocol': 'HTTP2', 'alpn_protocols': ['h2'], 'members': []}",
            "$.pools[1].alpn_protocols: only HTTPS pools take alpn_protocols (an HTTP2 pool speaks HTTP/2 without "
            + "TLS, without a negotiation)"),
        rule("pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', 'ca_certificate': 'ca.pem', "
            + "'alpn_protocols': ['h2', 'h3'], 'members': []}", "$.pools[1].alpn_protocols[1]: must be \"h2\" or \"http/1.1\""),
        rule("pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', 'ca_certificate': 'ca.pem', "
            + "'alpn_protocols': ['h2', 'h2'], 'members': []}", "$.pools[1].alpn_protocols[1]: h2 is listed twice"),
        rule("pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', 'ca_certificate': 'ca.pem', "
            + "'alpn_protocols': [], 'members': []}",
            "$.pools[1].alpn_protocols: must name at least one of \"h2\", \"http/1.1\" (or be left out: HTTP/1.1)"),
        rule("pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', 'ca_certificate': 'ca.pem', "
            + "'alpn_protocol': ['h2'], 'members': []}",
            "$.pools[1].alpn_protocol: unknown field (did you mean alpn_protocols?)"),
        rule("pools[1].protocol", "'HTTP3'", "$.pools[1].protocol: must be one of TCP, UDP, HTTP, HTTPS, HTTP2"));
  }

  private static Arguments rule(String path, String value, String line) {
    return Arguments.of(path, value, "config error: " + line);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("rules")
  void reportsExactlyTheContractLine(String path, String value, String line) {
    ConfigResult result = ConfigParser.parse(with(base(), path, value).encode(), dir);
    assertEquals(List.of(line.replace("{dir}", dir.toString())), result.errorLines());
    assertNull(result.config());
    assertEquals(List.of(), result.warnings(), "a refused or broken field is not also unknown");
  }
}
