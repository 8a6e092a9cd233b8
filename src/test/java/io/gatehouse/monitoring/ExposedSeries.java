package io.gatehouse.monitoring;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The series of a Prometheus text exposition: each sample name (a histogram's {@code _bucket}, {@code _count} and
 * {@code _sum}, a counter's {@code _total} as written) with the label names seen on it.
 */
final class ExposedSeries {

  private ExposedSeries() {}

  static Map<String, Set<String>> of(String text) {
    Map<String, Set<String>> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      int nameEnd = brace >= 0 && brace < space ? brace : space;
      Set<String> labels = out.computeIfAbsent(line.substring(0, nameEnd), n -> new TreeSet<>());
      if (nameEnd == brace) {
        addLabelNames(line, brace + 1, labels);
      }
    }
    return out;
  }

  /** Reads {@code name="value",...}} from {@code i}, values with their escapes. */
  private static void addLabelNames(String line, int i, Set<String> labels) {
    while (line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      labels.add(line.substring(i, eq).strip());
      int j = eq + 2; // past ="
      while (line.charAt(j) != '"') {
        j += line.charAt(j) == '\\' ? 2 : 1;
      }
      i = line.charAt(j + 1) == ',' ? j + 2 : j + 1;
    }
  }
}
