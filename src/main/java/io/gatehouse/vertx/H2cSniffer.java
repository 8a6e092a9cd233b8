package io.gatehouse.vertx;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.impl.Http1xOrH2CHandler;
import java.util.Map;

/** Vert.x's handler that reads an h2c-enabled connection's first bytes to choose HTTP/1 or HTTP/2. */
public final class H2cSniffer {

  private H2cSniffer() {}

  /** Its name in the pipeline, or null once it has chosen (or before Vert.x has put it on). */
  public static String nameIn(ChannelPipeline pipeline) {
    for (Map.Entry<String, ChannelHandler> e : pipeline) {
      if (e.getValue() instanceof Http1xOrH2CHandler) {
        return e.getKey();
      }
    }
    return null;
  }
}
