package io.gatehouse.log;

import java.time.Instant;

/**
 * One access log line as it is written: the text format's {@code <time> <listener> <protocol>} head and
 * {@code key=value} fields ({@code -} for none, a value a parser could misread quoted), or one JSON object (none
 * is {@code null}, numbers are numbers). Values a client chose can therefore neither start a line nor a field.
 */
public abstract class AccessFields {

  final StringBuilder out;

  AccessFields(StringBuilder out) {
    this.out = out;
  }

  /** The line's head: when it ended, on which listener, of which listener protocol. */
  public abstract AccessFields head(Instant time, String listener, String protocol);

  /** The client's {@code address:port} ({@code [v6]:port}); JSON also gets {@code client_ip} and {@code client_port}. */
  public abstract AccessFields client(String addressAndPort);

  /** A string field; null is none. */
  public AccessFields text(String key, String value) {
    key(key);
    if (value == null) {
      none();
    } else {
      string(value);
    }
    return this;
  }

  /** A count or duration. */
  public AccessFields number(String key, long value) {
    key(key);
    out.append(value);
    return this;
  }

  /** A number, or none when negative. */
  public AccessFields numberOrNone(String key, long value) {
    return value < 0 ? text(key, null) : number(key, value);
  }

  /** A field left out entirely when null (the query: most requests have none). */
  public AccessFields optional(String key, String value) {
    return value == null ? this : text(key, value);
  }

  /** What comes before a field's value. */
  abstract void key(String key);

  abstract void none();

  abstract void string(String value);

  abstract void end();

  /** The text format: today's line, each value a parser could misread (spaces, quotes, controls) quoted. */
  static final class Text extends AccessFields {

    Text(StringBuilder out) {
      super(out);
    }

    @Override
    public AccessFields head(Instant time, String listener, String protocol) {
      out.append(time).append(' ');
      Escapes.textValue(out, listener);
      out.append(' ').append(protocol);
      return this;
    }

    @Override
    public AccessFields client(String addressAndPort) {
      return text("client", addressAndPort);
    }

    @Override
    void key(String key) {
      out.append(' ').append(key).append('=');
    }

    @Override
    void none() {
      out.append('-');
    }

    @Override
    void string(String value) {
      Escapes.textValue(out, value);
    }

    @Override
    void end() {
      out.append('\n');
    }
  }

  /** One JSON object per line, ASCII only. */
  static final class Json extends AccessFields {

    Json(StringBuilder out) {
      super(out);
    }

    @Override
    public AccessFields head(Instant time, String listener, String protocol) {
      out.append("{\"time\":\"").append(time).append('"');
      text("listener", listener);
      return text("protocol", protocol);
    }

    @Override
    public AccessFields client(String addressAndPort) {
      text("client", addressAndPort);
      int colon = addressAndPort.lastIndexOf(':');
      if (colon <= 0) {
        return this; // not address:port: nothing to split
      }
      boolean v6 = addressAndPort.startsWith("[");
      text("client_ip", addressAndPort.substring(v6 ? 1 : 0, v6 ? colon - 1 : colon));
      return number("client_port", Integer.parseInt(addressAndPort.substring(colon + 1)));
    }

    @Override
    void key(String key) {
      out.append(",\"").append(key).append("\":");
    }

    @Override
    void none() {
      out.append("null");
    }

    @Override
    void string(String value) {
      Escapes.jsonString(out, value);
    }

    @Override
    void end() {
      out.append("}\n");
    }
  }
}
