package io.gatehouse.listener;

import io.gatehouse.config.HeadLimits;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The limits of an HTTP listener's server, set here rather than left to Vert.x's and Netty's defaults, which an
 * upgrade could change unseen: the request head (the HTTP/1 decoder and the HTTP/2 header list, from the listener's
 * {@link HeadLimits}), HTTP/2 concurrency and the rapid-reset guard.
 */
final class HttpServerLimits {

  /**
   * Streams one HTTP/2 connection may have open at once. Each is a member request in flight, so this bounds what
   * one client connection can ask of the members; 100 is the least RFC 9113 (5.1.2) advises, what HAProxy offers
   * and about nginx's 128. A stream past it is refused (RST_STREAM REFUSED_STREAM), the connection goes on.
   */
  static final long MAX_CONCURRENT_STREAMS = 100;
  /**
   * Rapid reset (CVE-2023-44487): a stream opened and cancelled at once never counts against the concurrency limit
   * yet costs a member request each. Past 200 RST_STREAM frames within 30 s the connection ends (GOAWAY). A browser
   * cancels a few streams per page it leaves, far from that, while a flood is cut off after 200 requests. Vert.x
   * applies the same count to the resets the server sends, which a client can provoke with bad frames
   * (CVE-2025-8671), and to the streams refused above.
   */
  static final int RST_FRAMES_PER_WINDOW = 200;
  static final int RST_WINDOW_SECONDS = 30;

  private HttpServerLimits() {}

  /** Sets every limit on the options the server binds with. */
  static HttpServerOptions applyTo(HttpServerOptions options, HeadLimits head) {
    return head(options, head)
        // the header list size is HTTP/2's head limit (names, values and 32 bytes a field, RFC 9113 6.5.2): without
        // it Netty would hold h2 heads to its own 8 KiB default while HTTP/1 heads get max_header_size; a list
        // over it gets 431 on its stream, a header block far over it (a CONTINUATION flood) ends the connection
        .setInitialSettings(new Http2Settings()
            .setMaxConcurrentStreams(MAX_CONCURRENT_STREAMS)
            .setMaxHeaderListSize(head.maxHeaderSize()))
        .setHttp2RstFloodMaxRstFramePerWindow(RST_FRAMES_PER_WINDOW)
        .setHttp2RstFloodWindowDuration(RST_WINDOW_SECONDS)
        .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS);
  }

  /** The options an HTTP/1 decoder reads, for connections opened after a reload changed the head limits. */
  static HttpServerOptions forDecoder(HttpServerOptions bound, HeadLimits head) {
    return head(new HttpServerOptions(bound), head);
  }

  private static HttpServerOptions head(HttpServerOptions options, HeadLimits head) {
    // the request line gets the same bound as the header block (414 past it, 431 past the other), as before the
    // limit could be set
    return options.setMaxHeaderSize(head.maxHeaderSize()).setMaxInitialLineLength(head.maxHeaderSize());
  }

  /** More header fields than {@code max_headers} (HTTP/2 pseudo-headers are not counted). */
  static boolean tooManyHeaders(HttpServerRequest req, HeadLimits head) {
    if (!head.countsHeaders()) {
      return false;
    }
    int n = 0;
    for (Map.Entry<String, String> h : req.headers()) {
      if (!h.getKey().startsWith(":") && ++n > head.maxHeaders()) {
        return true;
      }
    }
    return false;
  }
}
