package io.gatehouse.testkit;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Small pieces of JSON for test configurations. */
public final class Configs {

  private Configs() {}

  /** A {@code members} array of 127.0.0.1 members with weight 1. */
  public static String members(Backends.Member... members) {
    return Arrays.stream(members)
        .map(m -> "{\"address\":\"127.0.0.1\",\"protocol_port\":" + m.port() + "}")
        .collect(Collectors.joining(",", "[", "]"));
  }

  /** A {@code members} array of 127.0.0.1 members with the given weights. */
  public static String weighted(Backends.Member[] members, int... weights) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < members.length; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"address\":\"127.0.0.1\",\"protocol_port\":")
          .append(members[i].port()).append(",\"weight\":").append(weights[i]).append('}');
    }
    return sb.append(']').toString();
  }

  /** The top of a test configuration: fast drain, admin on a free port, no access log noise. */
  public static String head() {
    return "\"node\":{\"name\":\"test\",\"event_loops\":2},\"admin\":{\"port\":" + TestPorts.free() + "},"
        + "\"reload\":{\"scan_period_ms\":0},\"drain_timeout\":1,";
  }
}
