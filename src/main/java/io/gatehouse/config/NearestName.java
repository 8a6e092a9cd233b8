package io.gatehouse.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known field name an unknown one was probably meant to be: {@code health_moniter} for
 * {@code health_monitor}, {@code Weight} for {@code weight}, {@code healthMonitor} for {@code health_monitor}.
 * Names are compared without case, '_' and '-', by edit distance (a swap of two neighbours counts one).
 */
final class NearestName {
  private NearestName() {}

  static Optional<String> of(String unknown, Collection<String> known) {
    String u = squash(unknown);
    // a short name is close only to a name one edit away; 2 edits on names of 8+ letters
    int limit = Math.min(2, Math.max(1, u.length() / 4));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known.stream().sorted().toList()) {
      int d = distance(u, squash(k));
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return bestDistance <= limit ? Optional.of(best) : Optional.empty();
  }

  private static String squash(String name) {
    return name.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
