package io.gatehouse.http;

/**
 * The forms of request-target RFC 9112 3.2 allows a gateway: origin-form ({@code /path?query}), absolute-form
 * ({@code http://host/path?query}) and asterisk-form ({@code *}); CONNECT's authority-form is refused before.
 * Checked here: the form, and the characters of the authority and the query (the path is {@link RequestPath}'s).
 * The query passes on as sent, so only its characters are checked, not its escapes.
 */
final class RequestTarget {

  private static final CharClass SCHEME = CharClass.of("+-.").withLettersAndDigits();
  private static final CharClass AUTHORITY = RequestPath.PATH.with("[]%");
  private static final CharClass QUERY = RequestPath.PATH.with("?%");

  private RequestTarget() {}

  static boolean isAsterisk(String uri) {
    return uri.length() == 1 && uri.charAt(0) == '*';
  }

  /** Whether {@code uri} has an allowed form, authority and query; its path is checked apart. */
  static boolean valid(String uri) {
    if (uri == null || uri.isEmpty()) {
      return false;
    }
    if (isAsterisk(uri)) {
      return true;
    }
    int pathStart = uri.charAt(0) == '/' ? 0 : authorityEnd(uri);
    if (pathStart < 0) {
      return false;
    }
    int query = uri.indexOf('?', pathStart);
    for (int i = query + 1; query >= 0 && i < uri.length(); i++) {
      if (!QUERY.has(uri.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The target the member gets: origin-form, the normal path and the query as sent. The client's own text when
   * that is what it sent already (the common case: nothing allocated).
   */
  static String forMember(String uri, String rawPath, String path, String query) {
    if (path == rawPath && uri.charAt(0) == '/' || isAsterisk(uri)) {
      return uri;
    }
    return query == null ? path : path + "?" + query;
  }

  /** Where the path of an absolute-form target starts (after {@code scheme://authority}), or -1 if it is not one. */
  private static int authorityEnd(String uri) {
    int colon = uri.indexOf("://");
    char first = (char) (uri.charAt(0) | 0x20);
    if (colon <= 0 || first < 'a' || first > 'z') {
      return -1;
    }
    for (int i = 0; i < colon; i++) {
      if (!SCHEME.has(uri.charAt(i))) {
        return -1;
      }
    }
    int i = colon + 3;
    for (; i < uri.length() && uri.charAt(i) != '/' && uri.charAt(i) != '?'; i++) {
      if (!AUTHORITY.has(uri.charAt(i))) {
        return -1;
      }
    }
    return i;
  }
}
