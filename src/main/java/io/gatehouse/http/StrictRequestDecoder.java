package io.gatehouse.http;

import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

/**
 * Vert.x's request decoder, except that a request with both Content-Length and Transfer-Encoding is refused
 * (the contract's 400) instead of having its Content-Length dropped: a gateway that passes such a request on
 * can be used for request smuggling against members that frame it differently. Conflicting Content-Lengths
 * are already refused by Netty.
 */
public final class StrictRequestDecoder extends VertxHttpRequestDecoder {

  public StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new IllegalArgumentException("both Content-Length and Transfer-Encoding");
  }
}
