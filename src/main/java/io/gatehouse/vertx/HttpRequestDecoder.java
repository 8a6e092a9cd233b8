package io.gatehouse.vertx;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

/**
 * Vert.x's HTTP/1 request decoder (Netty's, producing the request objects Vert.x's connection expects), for the
 * gateway's stricter decoder to extend: the pipeline's decoder may be replaced only by one of this kind.
 */
public abstract class HttpRequestDecoder extends VertxHttpRequestDecoder {

  protected HttpRequestDecoder(HttpServerOptions options) {
    super(options);
  }
}
