package io.gatehouse.monitoring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a PromQL expression reads: the series names it selects, the labels each selector matches on, and the labels
 * it groups by. A lexer of the language's surface, enough for queries written by hand: string literals, range and
 * subquery brackets, Grafana's {@code $variables}, function calls and keywords are told apart from series names.
 */
final class PromQl {

  /** Aggregations and binary keywords: words that are never series names. */
  private static final Set<String> KEYWORDS = Set.of("sum", "min", "max", "avg", "count", "stddev", "stdvar",
      "topk", "bottomk", "quantile", "count_values", "group", "limitk", "limit_ratio", "and", "or", "unless",
      "bool", "offset", "atan2", "inf", "nan", "by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  /** Series names in order of appearance, each with the labels its selectors match on. */
  final Map<String, Set<String>> selectors = new LinkedHashMap<>();
  /** Labels named in {@code by (...)}, {@code on (...)} and the like. */
  final Set<String> grouping = new LinkedHashSet<>();

  private PromQl() {}

  static PromQl of(String expr) {
    PromQl q = new PromQl();
    List<String> tokens = tokens(expr);
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      String next = i + 1 < tokens.size() ? tokens.get(i + 1) : "";
      if (t.equals("[")) {
        i = skipTo(tokens, i, "]");
      } else if (t.equals("{")) {
        int end = skipTo(tokens, i, "}");
        // a selector without a name ({__name__=...}) is not written in these files
        Set<String> labels = q.selectors.computeIfAbsent(lastName(tokens, i), n -> new LinkedHashSet<>());
        for (int j = i + 1; j < end; j++) {
          if (isWord(tokens.get(j)) && tokens.get(j + 1).matches("=|!=|=~|!~")) {
            labels.add(tokens.get(j));
          }
        }
        i = end;
      } else if (GROUPING.contains(t) && next.equals("(")) {
        int end = skipTo(tokens, i, ")");
        for (int j = i + 2; j < end; j++) {
          if (isWord(tokens.get(j))) {
            q.grouping.add(tokens.get(j));
          }
        }
        i = end;
      } else if (isWord(t) && !KEYWORDS.contains(t) && !next.equals("(")) {
        q.selectors.computeIfAbsent(t, n -> new LinkedHashSet<>());
      }
    }
    return q;
  }

  /** The series name a {@code {} selector at {@code brace} belongs to. */
  private static String lastName(List<String> tokens, int brace) {
    String before = brace > 0 ? tokens.get(brace - 1) : "";
    if (!isWord(before) || KEYWORDS.contains(before)) {
      throw new IllegalArgumentException("a selector without a series name: " + String.join(" ", tokens));
    }
    return before;
  }

  private static int skipTo(List<String> tokens, int from, String close) {
    for (int j = from + 1; j < tokens.size(); j++) {
      if (tokens.get(j).equals(close)) {
        return j;
      }
    }
    throw new IllegalArgumentException("no " + close + " after token " + from + ": " + String.join(" ", tokens));
  }

  private static boolean isWord(String t) {
    return !t.isEmpty() && (Character.isLetter(t.charAt(0)) || t.charAt(0) == '_' || t.charAt(0) == ':');
  }

  /**
   * Words, numbers (durations included), operators and brackets; string literals and Grafana variables become
   * placeholders that match nothing.
   */
  static List<String> tokens(String expr) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < expr.length()) {
      char c = expr.charAt(i);
      int start = i;
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      if (c == '#') { // a comment runs to the end of the line
        while (i < expr.length() && expr.charAt(i) != '\n') {
          i++;
        }
        continue;
      }
      if (c == '"' || c == '\'' || c == '`') {
        i++;
        while (i < expr.length() && expr.charAt(i) != c) {
          i += expr.charAt(i) == '\\' && c != '`' ? 2 : 1;
        }
        if (i >= expr.length()) {
          throw new IllegalArgumentException("unterminated string in " + expr);
        }
        out.add("\"\"");
        i++;
        continue;
      }
      if (c == '$') { // $var, ${var}, $__rate_interval
        i++;
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || "_{}:".indexOf(expr.charAt(i)) >= 0)) {
          i++;
        }
        out.add("$");
        continue;
      }
      if (Character.isLetter(c) || c == '_' || c == ':') {
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || "_:".indexOf(expr.charAt(i)) >= 0)) {
          i++;
        }
      } else if (Character.isDigit(c) || c == '.') {
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
          i++;
        }
      } else if (i + 1 < expr.length() && "=!<>".indexOf(c) >= 0 && "=~".indexOf(expr.charAt(i + 1)) >= 0) {
        i += 2;
      } else {
        i++;
      }
      out.add(expr.substring(start, i));
    }
    return out;
  }
}
