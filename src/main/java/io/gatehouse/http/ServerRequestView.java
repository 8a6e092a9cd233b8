package io.gatehouse.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.util.Locale;

/** A live request as the forwarding policies see it: reads through to Vert.x, copies nothing up front. */
public record ServerRequestView(HttpServerRequest request) implements RequestView {

  @Override
  public String method() {
    return request.method().name();
  }

  @Override
  public String host() {
    HostAndPort authority = request.authority();
    if (authority == null) {
      return "";
    }
    String h = authority.host();
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return h.toLowerCase(Locale.ROOT);
      }
    }
    return h;
  }

  @Override
  public String path() {
    return request.path();
  }

  @Override
  public String query() {
    return request.query();
  }

  @Override
  public String header(String name) {
    return request.getHeader(name);
  }
}
