package io.gatehouse.admin;

import io.gatehouse.config.PathRules;
import io.gatehouse.http.HostHeader;
import io.gatehouse.http.RequestPath;
import io.gatehouse.http.RequestView;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;

/**
 * A request described by the route API's query parameters ({@code host}, {@code path}, {@code method},
 * {@code query}, {@code header.<name>}, {@code cookie.<name>}), normalised the way the HTTP listener presents a
 * live one (the path made normal by the listener's rules), so that the forwarding policies decide the same.
 */
record QueryRequestView(String method, String host, String path, String query, MultiMap headers)
    implements RequestView {

  static final String HEADER_PREFIX = "header.";
  static final String COOKIE_PREFIX = "cookie.";

  /** The request, its path made normal by the listener's {@code rules}; a path or host it would refuse: BadQuery. */
  static QueryRequestView of(MultiMap params, PathRules rules) {
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
    if (host != null && !HostHeader.valid(host)) {
      throw new RoutePreview.BadQuery("host " + host + " would be refused by the listener (400)");
    }
    String method = params.get("method");
    String given = params.get("path");
    String path = given == null || given.isEmpty() ? "/" : RequestPath.normalise(given, rules);
    if (path == null) {
      throw new RoutePreview.BadQuery("path " + given + " would be refused by the listener (400)");
    }
    return new QueryRequestView(method == null ? "GET" : method.toUpperCase(Locale.ROOT), hostOnly(host), path,
        params.get("query"), headers);
  }

  /** The host without a port, lower case, without a trailing dot, as {@code ServerRequestView} gives it. */
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
    return HostHeader.forRules(h);
  }

  @Override
  public String header(String name) {
    return headers.get(name);
  }
}
