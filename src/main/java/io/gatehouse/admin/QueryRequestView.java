package io.gatehouse.admin;

import io.gatehouse.http.RequestView;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;

/**
 * A request described by the route API's query parameters ({@code host}, {@code path}, {@code method},
 * {@code query}, {@code header.<name>}, {@code cookie.<name>}), normalised the way the HTTP listener presents a
 * live one, so that the forwarding policies decide the same.
 */
record QueryRequestView(String method, String host, String path, String query, MultiMap headers)
    implements RequestView {

  static final String HEADER_PREFIX = "header.";
  static final String COOKIE_PREFIX = "cookie.";

  static QueryRequestView of(MultiMap params) {
    MultiMap headers = HttpHeaders.headers(); // case-insensitive names, as on the wire
    StringBuilder cookies = new StringBuilder();
    for (Map.Entry<String, String> e : params) {
      String name = e.getKey();
      if (name.startsWith(HEADER_PREFIX) && name.length() > HEADER_PREFIX.length()) {
        headers.add(name.substring(HEADER_PREFIX.length()), e.getValue());
      } else if (name.startsWith(COOKIE_PREFIX) && name.length() > COOKIE_PREFIX.length()) {
        cookies.append(cookies.length() == 0 ? "" : "; ")
            .append(name.substring(COOKIE_PREFIX.length())).append('=').append(e.getValue());
      }
    }
    if (cookies.length() > 0 && !headers.contains(HttpHeaders.COOKIE)) {
      headers.set(HttpHeaders.COOKIE, cookies.toString());
    }
    String host = params.get("host");
    if (host == null) {
      host = headers.get(HttpHeaders.HOST);
    }
    String method = params.get("method");
    String path = params.get("path");
    return new QueryRequestView(method == null ? "GET" : method.toUpperCase(Locale.ROOT), hostOnly(host),
        path == null || path.isEmpty() ? "/" : path, params.get("query"), headers);
  }

  /** The host without a port, lower case, as {@code ServerRequestView} gives it. */
  static String hostOnly(String host) {
    if (host == null) {
      return "";
    }
    String h = host;
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      h = end < 0 ? h : h.substring(1, end);
    } else if (h.indexOf(':') == h.lastIndexOf(':') && h.indexOf(':') >= 0) {
      h = h.substring(0, h.indexOf(':'));
    }
    return h.toLowerCase(Locale.ROOT);
  }

  @Override
  public String header(String name) {
    return headers.get(name);
  }
}
