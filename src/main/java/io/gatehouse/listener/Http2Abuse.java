package io.gatehouse.listener;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.gatehouse.log.LogThrottle;
import java.util.logging.Logger;

/**
 * HTTP/2 connections a listener ended because the client abused the protocol (a rapid-reset flood: Netty's
 * ENHANCE_YOUR_CALM), told in the log: without it the GOAWAY goes out and nothing says an attack is under way.
 * One line per 10 s at most, with how many connections since the last, for floods come from many connections.
 */
final class Http2Abuse {

  private static final Logger LOG = Logger.getLogger(Http2Abuse.class.getName());

  private final String listener;
  private final LogThrottle throttle = new LogThrottle();

  Http2Abuse(String listener) {
    this.listener = listener;
  }

  /** A connection failed with {@code e}: counted and (at most every 10 s) logged when it was abuse. */
  void connectionFailed(String client, Throwable e) {
    if (!(e instanceof Http2Exception h2) || h2.error() != Http2Error.ENHANCE_YOUR_CALM) {
      return;
    }
    long count = throttle.due();
    if (count > 0) {
      LOG.warning("listener " + listener + ": ended " + count + " HTTP/2 connection(s) for abuse since the last"
          + " such line, last from " + client + ": " + e.getMessage());
    }
  }
}
