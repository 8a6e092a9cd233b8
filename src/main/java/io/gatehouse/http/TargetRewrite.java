package io.gatehouse.http;

import io.gatehouse.config.PathRules;
import io.gatehouse.config.Rewrite;
import io.gatehouse.config.TextRewrite;
import com.google.re2j.Matcher;

/**
 * A {@code rewrite} of the request-target a member gets. The path rewrite works on the normal path (what the
 * policies matched), the query rewrite on the raw query ({@code ""} when there is none, so that {@code ^$} can add
 * one; an empty result drops the {@code ?}). A rewritten path is made normal again with the listener's path rules:
 * the member never gets a target the gateway would have refused from a client. A result that cannot be made valid
 * (no leading {@code /}, a {@code ..} above the root, a broken escape, a character a query may not hold) is
 * {@code null}: the exchange answers 500. RE2/J matches in time linear in the input.
 */
final class TargetRewrite {

  private TargetRewrite() {}

  /**
   * The target after {@code rewrite}, the same string when nothing changed, or null when the result is invalid.
   *
   * @param uri the target as the member would get it unrewritten: the normal path and the query as sent
   */
  static String apply(Rewrite rewrite, String uri, PathRules rules) {
    if (!rewrite.rewritesTarget() || RequestTarget.isAsterisk(uri)) {
      return uri;
    }
    int mark = uri.indexOf('?');
    String path = mark < 0 ? uri : uri.substring(0, mark);
    String query = mark < 0 ? null : uri.substring(mark + 1);
    String newPath = rewrite.path() == null ? path : replace(rewrite.path(), path);
    if (!newPath.equals(path)) {
      newPath = RequestPath.normalise(newPath, rules);
      if (newPath == null) {
        return null;
      }
    }
    String newQuery = rewrite.query() == null ? query : replace(rewrite.query(), query == null ? "" : query);
    if (newQuery != null && newQuery.isEmpty()) {
      newQuery = null;
    } else if (newQuery != null && !RequestTarget.validQuery(newQuery, 0)) {
      return null;
    }
    if (newPath.equals(path) && (newQuery == null ? query == null : newQuery.equals(query))) {
      return uri;
    }
    return newQuery == null ? newPath : newPath + "?" + newQuery;
  }

  /** Every match of the expression replaced, or a leading prefix; the same string when nothing matched. */
  static String replace(TextRewrite rewrite, String text) {
    if (rewrite.prefix() != null) {
      return text.startsWith(rewrite.prefix())
          ? rewrite.replacement() + text.substring(rewrite.prefix().length()) : text;
    }
    Matcher m = rewrite.regex().matcher(text);
    return m.find() ? m.replaceAll(rewrite.replacement()) : text;
  }
}
