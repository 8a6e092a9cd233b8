package io.gatehouse.http;

import io.netty.handler.codec.http.HttpMessage;
import io.netty.util.AsciiString;
import io.vertx.core.http.HttpServerOptions;
import io.gatehouse.vertx.HttpRequestDecoder;

/**
 * Vert.x's request decoder, made strict where a lenient parser lets a gateway and a member see different
 * request boundaries (request smuggling):
 * <ul>
 *   <li>Content-Length together with Transfer-Encoding is refused (the contract's 400) instead of having its
 *       Content-Length dropped. Conflicting Content-Lengths are already refused by Netty.</li>
 *   <li>Request-line words must be separated by exactly one SP: Netty otherwise takes a run of spaces, or a bare
 *       CR, HTAB, VT or FF, for a space (RFC 9112 3 allows a lenient reading; the gateway refuses).</li>
 *   <li>A header line without a name ({@code : value}), which Netty drops unseen, is refused.</li>
 *   <li>HTTP/1.2 and later 1.x are read as HTTP/1.1 (RFC 9112 2.6); another major version (HTTP/2.0 in a request
 *       line) is {@link UnsupportedVersion}, answered 505 instead of Vert.x's 501 in that version's status line.</li>
 *   <li>Lines ended by a bare LF are refused by Netty's strict line parsing ({@code HttpDecoderConfig
 *       .setStrictLineParsing}), which Vert.x's constructor cannot set but which Netty 4.2 turns on by default
 *       (system property {@code io.netty.handler.codec.http.defaultStrictLineParsing}, which must stay unset);
 *       {@code StrictRequestDecoderTest} fails the build should a Netty upgrade change that. A bare CR inside a
 *       header line is refused by Vert.x's header validation.</li>
 *   <li>More than one Host line (RFC 9112 3.2), counted here as the names go by rather than per request in the
 *       listener, where counting means a list per request.</li>
 *   <li>A header name Vert.x's decoder would take for Content-Length or Content-Type though it is not (it does not
 *       compare the byte after {@code Content-}: {@code Content-Xength}): parsers before and after the gateway would
 *       disagree on where the body ends.</li>
 * </ul>
 * Each refusal becomes an invalid request: the listener answers 400 and closes the connection.
 */
public final class StrictRequestDecoder extends HttpRequestDecoder {

  /** Where the previous word of the request line being split ended. */
  private int wordEnd;
  /** Host lines of the request being decoded (its trailers included: a Host there is no better). */
  private int hostLines;

  public StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new IllegalArgumentException("both Content-Length and Transfer-Encoding");
  }

  // Netty splits the request line in order: method, target, version; the bytes between the words are checked here.

  @Override
  protected String splitFirstWordInitialLine(byte[] line, int start, int length) {
    wordEnd = start + length;
    hostLines = 0;
    return super.splitFirstWordInitialLine(line, start, length);
  }

  @Override
  protected String splitSecondWordInitialLine(byte[] line, int start, int length) {
    requireSpaces(line, wordEnd, start);
    wordEnd = start + length;
    return super.splitSecondWordInitialLine(line, start, length);
  }

  @Override
  protected String splitThirdWordInitialLine(byte[] line, int start, int length) {
    requireSpaces(line, wordEnd, start);
    String version = super.splitThirdWordInitialLine(line, start, length);
    if (version.length() == 8 && version.startsWith("HTTP/") && version.charAt(6) == '.'
        && isDigit(version.charAt(5)) && isDigit(version.charAt(7))) {
      if (version.charAt(5) != '1') {
        throw new UnsupportedVersion(version);
      }
      // RFC 9112 2.6: a later minor version of HTTP/1 is read as the highest one implemented
      return version.charAt(7) > '1' ? "HTTP/1.1" : version;
    }
    // anything else is not a version (HTTP/1.10, http/1.1): Netty would take some of them, and Vert.x answer 501
    throw new IllegalArgumentException("not an HTTP version");
  }

  @Override
  protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
    if (length == 0) {
      throw new IllegalArgumentException("a header line without a name"); // Netty would drop the line unseen
    }
    if (isHost(sb, start, length) && ++hostLines > 1) {
      throw new IllegalArgumentException("more than one Host line");
    }
    AsciiString name = super.splitHeaderName(sb, start, length);
    if ((length == 12 || length == 14) && !spelled(sb, start, name)) {
      // Vert.x's decoder does not compare the byte after "Content-" when it looks for Content-Length and
      // Content-Type (14 and 12 bytes): "Content-Xength" is Content-Length to it. Passed on as sent, such a name
      // frames a body for a Vert.x-based member and none for others, and the other way round for a proxy in front
      // of the gateway; either disagreement lets a request hide in another's body. Refused.
      throw new IllegalArgumentException("a header name that reads as " + name + " to some parsers only");
    }
    return name;
  }

  /** Whether {@code name} is the {@code length(name)} bytes at {@code start}, in any case. */
  private static boolean spelled(byte[] b, int start, AsciiString name) {
    for (int i = 0; i < name.length(); i++) {
      if (Character.toLowerCase((char) (b[start + i] & 0xff)) != Character.toLowerCase(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHost(byte[] b, int start, int length) {
    return length == 4 && (b[start] | 0x20) == 'h' && (b[start + 1] | 0x20) == 'o' && (b[start + 2] | 0x20) == 's'
        && (b[start + 3] | 0x20) == 't';
  }

  private static void requireSpaces(byte[] line, int from, int to) {
    if (to - from != 1 || line[from] != ' ') {
      throw new IllegalArgumentException("request line words not separated by exactly one space");
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** A well-formed HTTP version other than 1.x: answered 505 (RFC 9110 15.6.6). */
  public static final class UnsupportedVersion extends IllegalArgumentException {
    UnsupportedVersion(String version) {
      super("HTTP version " + version + " is not supported");
    }
  }
}
