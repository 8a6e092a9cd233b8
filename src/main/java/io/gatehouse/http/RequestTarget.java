package io.gatehouse.http;

/**
 * The forms of request-target RFC 9112 3.2 allows a gateway: origin-form ({@code /path?query}), absolute-form
 * ({@code http://host/path?query}, scheme http or https, no userinfo: RFC 9110 4.2.4) and asterisk-form
 * ({@code *}, OPTIONS only); CONNECT's authority-form is refused before. HTTP/2's :path is origin-form or
 * {@code *} only (RFC 9113 8.3.1). Checked here: the form, and the characters of the authority and the query (the
 * path is {@link RequestPath}'s). The query passes on as sent, so only its characters are checked, not its escapes.
 */
final class RequestTarget {

  /** host and port: no '@' (userinfo), whose part before it some clients and servers take for the host. */
  private static final CharClass AUTHORITY = CharClass.of("-._~!$&'()*+,;=:[]%").withLettersAndDigits();
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
    return query < 0 || validQuery(uri, query + 1);
  }

  /** Whether {@code s} from {@code from} holds only characters a query may hold (escapes not looked at). */
  static boolean validQuery(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (!QUERY.has(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The authority of an absolute-form target (its Host), or null for the other forms. */
  static String authority(String uri) {
    if (uri == null || uri.isEmpty() || uri.charAt(0) == '/' || isAsterisk(uri)) {
      return null;
    }
    int end = authorityEnd(uri);
    return end < 0 ? null : uri.substring(uri.indexOf("://") + 3, end);
  }

  /**
   * The path of a valid target: for absolute-form what lies between the authority and the query, {@code /} when
   * nothing does (not Vert.x's reading, which takes a '/' in the query for the path's start).
   */
  static String path(String uri, String vertxPath) {
    if (uri.charAt(0) == '/') {
      return vertxPath;
    }
    int from = authorityEnd(uri);
    int query = uri.indexOf('?', from);
    int to = query < 0 ? uri.length() : query;
    return from == to ? "/" : uri.substring(from, to);
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
    if (!(colon == 4 && uri.regionMatches(true, 0, "http", 0, 4)
        || colon == 5 && uri.regionMatches(true, 0, "https", 0, 5))) {
      return -1; // another scheme is not this gateway's to serve
    }
    int i = colon + 3;
    for (; i < uri.length() && uri.charAt(i) != '/' && uri.charAt(i) != '?'; i++) {
      if (!AUTHORITY.has(uri.charAt(i))) {
        return -1;
      }
    }
    return i == colon + 3 ? -1 : i; // RFC 9110 4.2.1: an http URI with an empty host is invalid
  }
}
