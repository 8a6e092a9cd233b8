package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder on its own: what it refuses, and that a plain request still decodes. Pins Netty's strict line
 * parsing, which the decoder gets only as Netty's default (see {@link StrictRequestDecoder}).
 */
class StrictRequestDecoderTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "GET / HTTP/1.1\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n\n",
      "GET /\rHTTP/1.1\r\nHost: x\r\n\r\n",
      "GET\r/ HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /  HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n: z\r\n\r\n",
      "GET /\u000bHTTP/1.1\r\nHost: x\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nhOST: x\r\n\r\n"})
  void refuses(String head) {
    HttpObject first = decode(head);
    assertTrue(first.decoderResult().isFailure(), head);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET /a?b=c HTTP/1.0\r\n\r\n",
      "\r\nPOST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nX-Host: y\r\nHosts: z\r\nHos: t\r\n\r\n"})
  void decodes(String head) {
    HttpObject first = decode(head);
    assertTrue(first.decoderResult().isSuccess(), first.decoderResult().toString());
    assertEquals(HttpRequest.class, first instanceof HttpRequest ? HttpRequest.class : first.getClass());
  }

  @Test
  void eachRequestOfAPipelineMayHaveItsOwnHostLine() {
    EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder(new HttpServerOptions()));
    try {
      ch.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
          StandardCharsets.ISO_8859_1));
      int requests = 0;
      for (Object o; (o = ch.readInbound()) != null; ReferenceCountUtil.release(o)) {
        assertTrue(((HttpObject) o).decoderResult().isSuccess(), o.toString());
        requests += o instanceof HttpRequest ? 1 : 0;
      }
      assertEquals(2, requests);
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  private static HttpObject decode(String text) {
    EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder(new HttpServerOptions()));
    try {
      ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
      HttpObject first = ch.readInbound();
      for (Object more; (more = ch.readInbound()) != null; ) {
        ReferenceCountUtil.release(more);
      }
      return first;
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
