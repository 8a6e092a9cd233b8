package io.gatehouse.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * HTTP/2 as raw frames over a real socket, h2c (prior knowledge) or h2 (TLS, ALPN), for what real clients never
 * send: floods, malformed frames, more streams than allowed. Opening one sends the preface and SETTINGS and
 * acknowledges the server's SETTINGS. Header blocks are coded with Netty's HPACK (one encoder and one decoder per
 * connection, as the protocol's state wants); every frame is written by hand.
 */
public final class RawH2 implements AutoCloseable {

  public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  public static final int DATA = 0x0;
  public static final int HEADERS = 0x1;
  public static final int RST_STREAM = 0x3;
  public static final int SETTINGS = 0x4;
  public static final int GOAWAY = 0x7;
  public static final int WINDOW_UPDATE = 0x8;
  public static final int CONTINUATION = 0x9;
  public static final int END_STREAM = 0x1;
  public static final int ACK = 0x1;
  public static final int END_HEADERS = 0x4;
  public static final int PADDED = 0x8;
  public static final int PRIORITY = 0x20;
  public static final int PROTOCOL_ERROR = 0x1;
  public static final int FRAME_SIZE_ERROR = 0x6;
  public static final int REFUSED_STREAM = 0x7;
  public static final int CANCEL = 0x8;
  public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
  public static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;
  /** The frame size both sides start with (RFC 9113 4.2); nothing here announces more. */
  public static final int MAX_FRAME_SIZE = 16_384;
  /** What {@link #ending()} says when the connection ended without a GOAWAY. */
  public static final int CLOSED = -1;
  /** What {@link #ending()} says when neither a GOAWAY nor the end came within the socket timeout. */
  public static final int STILL_OPEN = -2;
  /** HPACK, static table only: :method GET, :scheme http, :path / (the smallest request, for floods). */
  public static final byte[] GET = {(byte) 0x82, (byte) 0x86, (byte) 0x84};

  /** A received frame; {@code headers} holds a HEADERS frame's decoded block (with its CONTINUATIONs), else null. */
  public record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
    /** RST_STREAM and GOAWAY: the error code. */
    public int errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return (payload[at] & 0xff) << 24 | (payload[at + 1] & 0xff) << 16 | (payload[at + 2] & 0xff) << 8
          | (payload[at + 3] & 0xff);
    }
  }

  /** How a stream ended up: a response head with its status, or a reset with its error code (-1: none). */
  public record Outcome(int status, int resetCode) {}

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final String scheme;
  private final Map<Integer, Long> serverSettings = new HashMap<>();
  private final DefaultHttp2HeadersEncoder encoder =
      new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true, 16L << 20);
  private int goaway = STILL_OPEN;

  private RawH2(Socket socket, String scheme) throws IOException {
    this.socket = socket;
    this.scheme = scheme;
    socket.setSoTimeout(5000);
    in = new DataInputStream(socket.getInputStream());
    out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    out.write(PREFACE);
    frame(SETTINGS, 0, 0, new byte[0]).flush();
    for (Frame f = read(); ; f = read()) {
      if (f == null) {
        throw new IOException("the server ended the connection before its SETTINGS");
      }
      if (f.type() == SETTINGS && (f.flags() & ACK) == 0) {
        for (int i = 0; i + 6 <= f.payload().length; i += 6) {
          int id = (f.payload()[i] & 0xff) << 8 | (f.payload()[i + 1] & 0xff);
          long value = ((f.payload()[i + 2] & 0xffL) << 24) | (f.payload()[i + 3] & 0xff) << 16
              | (f.payload()[i + 4] & 0xff) << 8 | (f.payload()[i + 5] & 0xff);
          serverSettings.put(id, value);
        }
        // acknowledged before anything else is sent: only then does the server hold the client to its SETTINGS
        frame(SETTINGS, ACK, 0, new byte[0]).flush();
        return;
      }
    }
  }

  /** h2c with prior knowledge on 127.0.0.1:{@code port}. */
  public static RawH2 h2c(int port) {
    try {
      return new RawH2(new Socket("127.0.0.1", port), "http");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** h2 over TLS on 127.0.0.1:{@code port}, offered by ALPN (failing when the server does not choose it). */
  public static RawH2 h2(int port) {
    SSLSocket s = TlsClients.socket(port, TlsClients.context(null, null));
    try {
      SSLParameters params = s.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(params);
      s.startHandshake();
      if (!"h2".equals(s.getApplicationProtocol())) {
        throw new IllegalStateException("ALPN chose " + s.getApplicationProtocol() + ", not h2");
      }
      return new RawH2(s, "https");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The server's SETTINGS, by identifier. */
  /** This end's port, to find the gateway's end of the connection ({@link SocketTimers}). */
  public int localPort() {
    return socket.getLocalPort();
  }

  public Map<Integer, Long> serverSettings() {
    return serverSettings;
  }

  /** Queues one frame; {@link #flush()} sends what is queued. */
  public RawH2 frame(int type, int flags, int stream, byte[] payload) throws IOException {
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.write(payload);
    return this;
  }

  public RawH2 flush() throws IOException {
    out.flush();
    return this;
  }

  /** Queues a GET of {@code path} on {@code stream} with the extra headers (name, value, ...), END_STREAM set. */
  public RawH2 get(int stream, String path, String... extra) throws IOException {
    return get(stream, "x", path, extra);
  }

  /** Like {@link #get(int, String, String...)}, with {@code authority} as :authority (none when null). */
  public RawH2 getAt(String authority, int stream, String path, String... extra) throws IOException {
    return get(stream, authority, path, extra);
  }

  /** Like {@link #get(int, String, String...)}, with {@code scheme} as :scheme. */
  public RawH2 getWithScheme(String scheme, int stream, String path) throws IOException {
    return get(stream, "x", path, new String[0], scheme);
  }

  private RawH2 get(int stream, String authority, String path, String[] extra) throws IOException {
    return get(stream, authority, path, extra, scheme);
  }

  private RawH2 get(int stream, String authority, String path, String[] extra, String scheme) throws IOException {
    // unvalidated: the point is to send what a careful client would not
    Http2Headers h = new DefaultHttp2Headers(false, false, 16).method("GET").scheme(scheme).path(path);
    if (authority != null) {
      h.authority(authority);
    }
    for (int i = 0; i < extra.length; i += 2) {
      h.add(extra[i], extra[i + 1]);
    }
    ByteBuf block = Unpooled.buffer();
    try {
      encoder.encodeHeaders(stream, h, block);
      headerBlock(stream, ByteBufUtil.getBytes(block), true);
    } catch (Http2Exception e) {
      throw new IllegalStateException(e);
    } finally {
      block.release();
    }
    return this;
  }

  /** Queues a header block as a HEADERS frame and as many CONTINUATION frames as the frame size needs. */
  private void headerBlock(int stream, byte[] block, boolean endStream) throws IOException {
    int at = 0;
    boolean first = true;
    do {
      int n = Math.min(MAX_FRAME_SIZE, block.length - at);
      boolean last = at + n == block.length;
      byte[] piece = java.util.Arrays.copyOfRange(block, at, at + n);
      frame(first ? HEADERS : CONTINUATION, (last ? END_HEADERS : 0) | (first && endStream ? END_STREAM : 0),
          stream, piece);
      first = false;
      at += n;
    } while (at < block.length);
  }

  /** The next frame, or null once the connection has ended; a timeout is an {@link SocketTimeoutException}. */
  public Frame read() throws SocketTimeoutException {
    try {
      int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      byte[] payload = new byte[length];
      in.readFully(payload);
      Http2Headers headers = null;
      if (type == HEADERS) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        // the block without padding (PADDED: a length first, that many bytes last) and priority fields (5 bytes)
        int from = (flags & PADDED) != 0 ? 1 : 0;
        int to = payload.length - ((flags & PADDED) != 0 ? payload[0] & 0xff : 0);
        from += (flags & PRIORITY) != 0 ? 5 : 0;
        block.write(payload, from, to - from);
        for (int f = flags; (f & END_HEADERS) == 0; ) { // the server's CONTINUATIONs follow at once
          int n = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
          in.readUnsignedByte();
          f = in.readUnsignedByte();
          in.readInt();
          block.write(in.readNBytes(n));
        }
        headers = decode(stream, block.toByteArray());
      }
      if (type == GOAWAY) {
        goaway = new Frame(type, flags, stream, payload, null).errorCode();
      }
      return new Frame(type, flags, stream, payload, headers);
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (EOFException | java.net.SocketException | javax.net.ssl.SSLException ended) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Http2Headers decode(int stream, byte[] block) {
    ByteBuf buf = Unpooled.wrappedBuffer(block);
    try {
      return decoder.decodeHeaders(stream, buf);
    } catch (Http2Exception e) {
      throw new IllegalStateException("the server sent a header block HPACK cannot decode", e);
    } finally {
      buf.release();
    }
  }

  /**
   * Reads until a GOAWAY or the end of the connection: the GOAWAY's error code, {@link #CLOSED} when it ended
   * without one, {@link #STILL_OPEN} when neither came within the socket timeout.
   */
  public int ending() {
    try {
      for (Frame f = read(); f != null; f = read()) {
        if (f.type() == GOAWAY) {
          return f.errorCode();
        }
      }
      return CLOSED;
    } catch (SocketTimeoutException stillOpen) {
      return STILL_OPEN;
    }
  }

  /** The GOAWAY error code if one was read, else {@link #STILL_OPEN}. */
  public int goaway() {
    return goaway;
  }

  /**
   * Reads until each of {@code streams} has a response head or a reset, the connection ends or the socket timeout
   * passes; what each got (streams without an outcome are missing from the map).
   */
  public Map<Integer, Outcome> outcomes(Collection<Integer> streams) {
    Map<Integer, Outcome> got = new HashMap<>();
    try {
      while (!got.keySet().containsAll(streams)) {
        Frame f = read();
        if (f == null) {
          break;
        }
        if (f.type() == HEADERS && !got.containsKey(f.stream())) {
          got.put(f.stream(), new Outcome(f.headers().status() == null ? -1
              : Integer.parseInt(f.headers().status().toString()), -1));
        } else if (f.type() == RST_STREAM && !got.containsKey(f.stream())) {
          got.put(f.stream(), new Outcome(-1, f.errorCode()));
        }
      }
    } catch (SocketTimeoutException timedOut) {
      // what came in time
    }
    return got;
  }

  /**
   * Reads until {@code stream} ends (a frame with END_STREAM, or a reset), the connection ends or the socket timeout
   * passes; the header blocks it got (head, then trailers), or null when it did not end.
   */
  public List<Http2Headers> headersUntilEnd(int stream) {
    List<Http2Headers> blocks = new ArrayList<>();
    try {
      for (Frame f; (f = read()) != null; ) {
        if (f.stream() != stream) {
          continue;
        }
        if (f.type() == HEADERS) {
          blocks.add(f.headers());
        }
        if (f.type() == RST_STREAM || (f.type() == HEADERS || f.type() == DATA) && (f.flags() & END_STREAM) != 0) {
          return blocks;
        }
      }
    } catch (SocketTimeoutException timedOut) {
      // not in time
    }
    return null;
  }

  /**
   * Whether {@code stream} was refused: a 400, or a PROTOCOL_ERROR reset (Netty's HPACK decoder checks values and
   * pseudo-headers itself since 4.2.18, ahead of the gateway's own check).
   */
  public boolean refused(int stream) {
    Outcome o = outcomes(List.of(stream)).get(stream);
    return o != null && (o.status() == 400 || o.resetCode() == 1);
  }

  /** The status of the response head on {@code stream} (-1: reset, or none in time). */
  public int status(int stream) {
    Outcome o = outcomes(List.of(stream)).get(stream);
    return o == null ? -1 : o.status();
  }

  @Override
  public void close() {
    encoder.close();
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
