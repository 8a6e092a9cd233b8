package io.gatehouse.cluster;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.TestPorts;

/** Pieces of the jar cluster tests' node configurations. */
final class ClusterJson {

  /** One secret per test JVM: the jar clusters run as the README says to, with their entries sealed. */
  static final String SECRET = java.util.UUID.randomUUID() + "-" + java.util.UUID.randomUUID();

  private ClusterJson() {}

  /**
   * The start of node {@code name}'s file up to its listeners: admin on a free port, fast drain, no access log, the
   * cluster secret.
   */
  static String head(String name) {
    return "{\"node\":{\"name\":\"" + name + "\",\"event_loops\":1},\"admin\":{\"port\":" + TestPorts.free() + "},"
        + "\"cluster\":{\"secret\":\"" + SECRET + "\"},"
        + "\"reload\":{\"scan_period_ms\":0},\"drain_timeout\":1,\"access_log\":false,";
  }

  static String listener(String name, String protocol, int port, String pool) {
    return "{\"name\":\"" + name + "\",\"protocol\":\"" + protocol + "\",\"host\":\"127.0.0.1\",\"protocol_port\":"
        + port + ",\"default_pool\":\"" + pool + "\"}";
  }

  /** An HTTP pool that learns the members' {@code sid} cookies (APP_COOKIE). */
  static String appCookiePool(String name, Backends.Member[] members) {
    return "{\"name\":\"" + name + "\",\"protocol\":\"HTTP\","
        + "\"session_persistence\":{\"type\":\"APP_COOKIE\",\"cookie_name\":\"sid\"},"
        + "\"members\":" + Configs.members(members) + "}";
  }

  /** A TCP pool with SOURCE_IP persistence, probed twice a second; {@code extra} adds fields (with a comma). */
  static String sourceIpPool(String name, String extra, Backends.Member[] members) {
    return "{\"name\":\"" + name + "\",\"protocol\":\"TCP\"" + extra + ","
        + "\"session_persistence\":{\"type\":\"SOURCE_IP\"},\"members\":" + Configs.members(members) + ","
        + "\"health_monitor\":{\"type\":\"TCP\",\"delay\":0.5,\"timeout\":0.5,\"max_retries\":1,\"max_retries_down\":2}}";
  }
}
