package io.gatehouse.admin;

import java.util.Arrays;

/** Reads one sample out of a Prometheus text exposition. */
public final class PrometheusText {

  private PrometheusText() {}

  /**
   * The value of the sample {@code name} whose labels include every {@code key=value} pair given, or -1 when
   * there is none.
   */
  public static double value(String text, String name, String... labels) {
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      int close = line.lastIndexOf('}');
      String labelText = close < 0 ? "" : line.substring(name.length() + 1, close);
      boolean all = Arrays.stream(labels).allMatch(l -> {
        int eq = l.indexOf('=');
        return labelText.contains(l.substring(0, eq) + "=\"" + l.substring(eq + 1) + "\"");
      });
      if (all) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }
}
