package io.gatehouse.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code expected_codes}: {@code 200}, {@code 200,202}, {@code 200-399} or a mix; kept as inclusive ranges. */
public record ExpectedCodes(String text, List<Range> ranges) {

  public record Range(int from, int to) {}

  public ExpectedCodes {
    ranges = List.copyOf(ranges);
  }

  public static Optional<ExpectedCodes> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    List<Range> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.trim();
      int dash = p.indexOf('-');
      try {
        int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
        int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
        if (from < 100 || to > 599 || from > to) {
          return Optional.empty();
        }
        out.add(new Range(from, to));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.of(new ExpectedCodes(text, out));
  }

  public boolean matches(int status) {
    for (Range r : ranges) {
      if (status >= r.from && status <= r.to) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExpectedCodes e && e.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
