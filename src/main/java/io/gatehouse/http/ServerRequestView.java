package io.gatehouse.http;

import io.gatehouse.config.PathRules;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;

/**
 * A live request as the forwarding policies see it: the path made normal ({@link RequestPath}), the rest read
 * through to Vert.x. {@code memberUri} is the request-target the member gets: the same normal path, and the query
 * as sent.
 */
public record ServerRequestView(HttpServerRequest request, String path, String memberUri) implements RequestView {

  /** The request's view, or null when its request-target is refused (400). */
  public static ServerRequestView of(HttpServerRequest req, PathRules rules) {
    String uri = req.uri();
    if (!RequestTarget.valid(uri)) {
      return null;
    }
    if (RequestTarget.isAsterisk(uri)) {
      return req.method() == HttpMethod.OPTIONS ? new ServerRequestView(req, uri, uri) : null;
    }
    if (uri.charAt(0) != '/' && req.version() == HttpVersion.HTTP_2) {
      return null; // :path holds no scheme or authority
    }
    String raw = RequestTarget.path(uri, req.path());
    String path = RequestPath.normalise(raw, rules);
    return path == null ? null : new ServerRequestView(req, path, RequestTarget.forMember(uri, raw, path, req.query()));
  }

  @Override
  public String method() {
    return request.method().name();
  }

  @Override
  public String host() {
    HostAndPort authority = request.authority();
    return authority == null ? "" : HostHeader.forRules(authority.host());
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
