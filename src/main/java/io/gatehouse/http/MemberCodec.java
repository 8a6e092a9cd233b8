package io.gatehouse.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * The HTTP/1.1 codec of a member connection: Netty's request encoder and response decoder, where Netty's
 * {@code HttpClientCodec} would misframe two responses a member may send:
 * <ul>
 *   <li>an interim (1xx) response to a HEAD request: Netty's codec takes the request's method off its queue for the
 *       interim response, so the final one is framed as a GET's, and the gateway waits for a body a HEAD response
 *       never has. A connection here carries one exchange at a time, so the method of the last request is the one
 *       every response until the final one answers.</li>
 *   <li>a header name followed by anything but whitespace before its colon ({@code Content-Length junk: 2}): Netty
 *       ends the name at the space and skips the rest, framing by a header no other parser sees. Refused (the
 *       exchange fails, 502); whitespace alone is removed, as RFC 9112 5.1 asks of a proxy.</li>
 * </ul>
 * After a 101 the encoder passes raw bytes on ({@link #upgraded}), as the decoder already does.
 */
final class MemberCodec extends CombinedChannelDuplexHandler<MemberCodec.Decoder, MemberCodec.Encoder> {

  MemberCodec(HttpDecoderConfig config) {
    Encoder encoder = new Encoder();
    init(new Decoder(config, encoder), encoder);
  }

  /** The connection now carries another protocol's bytes, both ways. */
  void upgraded() {
    outboundHandler().upgraded = true;
  }

  static final class Encoder extends HttpRequestEncoder {
    private boolean upgraded;
    /** The method of the request last written: the exchange whose response comes next. */
    private HttpMethod method;

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
      if (upgraded) {
        out.add(ReferenceCountUtil.retain(msg));
        return;
      }
      if (msg instanceof HttpRequest request) {
        method = request.method();
      }
      super.encode(ctx, msg, out);
    }
  }

  static final class Decoder extends HttpResponseDecoder {
    private final Encoder requests;

    Decoder(HttpDecoderConfig config, Encoder requests) {
      super(config);
      this.requests = requests;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      if (((HttpResponse) msg).status().codeClass() != HttpStatusClass.INFORMATIONAL
          && HttpMethod.HEAD.equals(requests.method)) {
        return true;
      }
      return super.isContentAlwaysEmpty(msg); // 1xx, 204, 304, 101's switch
    }

    @Override
    protected AsciiString splitHeaderName(byte[] line, int start, int length) {
      // Netty ends a response header's name at the colon or at whitespace: what lies between must be whitespace
      for (int i = start + length; i < line.length && line[i] != ':'; i++) {
        if (line[i] != ' ' && line[i] != '\t') {
          throw new IllegalArgumentException("a header name with more than whitespace before its colon");
        }
      }
      return super.splitHeaderName(line, start, length);
    }
  }
}
