package io.gatehouse.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code rewrite}, {@code request_headers} and {@code response_headers} of a listener or an L7 policy. Everything
 * that can be known before a request is checked here: the expressions compile (RE2/J), replacements name groups
 * that exist and hold only characters their part of the target may hold, header names are tokens and values hold
 * no control character, variables are known, and no action touches a header the gateway owns.
 */
final class HttpEditsParser {
  static final List<String> FIELDS = List.of("rewrite", "request_headers", "response_headers");

  /** What a path holds besides letters and digits (RFC 3986 pchar and '/', '%' of escapes). */
  private static final String PATH_MARKS = "-._~!$&'()*+,;=:@/%";
  /** A query holds '?' too. */
  private static final String QUERY_MARKS = PATH_MARKS + "?";
  /** A host and port (no '@': userinfo is not a host). */
  private static final String AUTHORITY_MARKS = "-._~!$&'()*+,;=:[]%";
  /** RFC 9110 5.6.2 tchar besides letters and digits. */
  private static final String TOKEN_MARKS = "!#$%&'*+-.^_`|~";

  /** Headers the framing, the hop or the gateway owns, with why. */
  private static final Map<String, String> OWNED = Map.ofEntries(
      Map.entry("connection", "a hop-by-hop header"),
      Map.entry("keep-alive", "a hop-by-hop header"),
      Map.entry("te", "a hop-by-hop header"),
      Map.entry("trailer", "a hop-by-hop header"),
      Map.entry("upgrade", "a hop-by-hop header"),
      Map.entry("proxy", "a hop-by-hop header"),
      Map.entry("transfer-encoding", "the gateway frames each hop itself"),
      Map.entry("content-length", "the gateway frames each hop itself"),
      Map.entry("host", "use rewrite.host"),
      Map.entry("x-real-ip", "the listener inserts it (insert_headers)"),
      Map.entry("x-client-cert-subject", "only the gateway sets it, under mutual TLS"));
  private static final String VARIABLES = "${client_ip}, ${request_id}, ${listener}, ${member}";

  private HttpEditsParser() {}

  /** @param insert the listener's {@code insert_headers}: X-Request-Id is the gateway's where it inserts one */
  static HttpEdits parse(ObjectReader r, InsertHeaders insert) {
    if (!r.has("rewrite") && !r.has("request_headers") && !r.has("response_headers")) {
      return HttpEdits.NONE;
    }
    ObjectReader rw = r.object("rewrite");
    ObjectReader req = r.object("request_headers");
    ObjectReader resp = r.object("response_headers");
    return new HttpEdits(rw == null ? Rewrite.NONE : rewrite(rw),
        req == null ? HeaderActions.NONE : actions(req, insert),
        resp == null ? HeaderActions.NONE : actions(resp, insert));
  }

  // ---- rewrite

  private static Rewrite rewrite(ObjectReader r) {
    ObjectReader p = r.object("path");
    ObjectReader q = r.object("query");
    TextRewrite path = p == null ? null : text(p, true);
    TextRewrite query = q == null ? null : text(q, false);
    String host = r.string("host");
    if (host != null && (host.isEmpty() || !only(host, AUTHORITY_MARKS))) {
      r.error("host", "must be a host name or address, with an optional :port");
      host = null;
    }
    if (p == null && q == null && !r.has("host")) {
      r.error("path", "a rewrite needs path, host or query");
    }
    return new Rewrite(path, host, query);
  }

  /** A path ({@code regex} or {@code prefix}) or query ({@code regex} only) replacement. */
  private static TextRewrite text(ObjectReader r, boolean path) {
    String marks = path ? PATH_MARKS : QUERY_MARKS;
    if (!path && r.has("prefix")) {
      r.error("prefix", "a query rewrite takes regex and replacement");
      r.accept("regex", "replacement");
      return null;
    } else if (r.has("prefix") && r.has("regex")) {
      r.error("prefix", "give regex or prefix, not both");
      r.accept("replacement");
      return null;
    }
    if (path && r.has("prefix")) {
      String prefix = r.requiredString("prefix");
      String replacement = r.requiredString("replacement");
      boolean ok = startsWithSlash(r, "prefix", prefix) & startsWithSlash(r, "replacement", replacement);
      if (ok && !only(replacement, marks)) {
        r.error("replacement", "holds a character a path may not hold");
        ok = false;
      }
      return ok ? TextRewrite.prefix(prefix, replacement) : null;
    }
    String expression = r.requiredString("regex");
    String replacement = path ? r.requiredString("replacement") : r.string("replacement");
    if (!path && replacement == null && !r.has("replacement")) {
      r.error("replacement", "is required");
    }
    if (expression == null || replacement == null) {
      return null;
    }
    Pattern regex;
    try {
      regex = Pattern.compile(expression);
    } catch (PatternSyntaxException e) {
      r.error("regex", "invalid regular expression (RE2 syntax): " + e.getDescription());
      return null;
    }
    String wrong = replacementProblem(replacement, regex, marks, path ? "path" : "query");
    if (wrong != null) {
      r.error("replacement", wrong);
      return null;
    }
    return TextRewrite.regex(regex, replacement);
  }

  private static boolean startsWithSlash(ObjectReader r, String field, String value) {
    if (value != null && !value.startsWith("/")) {
      r.error(field, "must start with /");
      return false;
    }
    return value != null;
  }

  /**
   * What is wrong with a replacement, or null: {@code $n} must name a group of the expression (RE2/J reads the
   * longest number that does), {@code ${name}} a named group, and the literal text (a {@code \} escapes the next
   * character) only characters of {@code marks}, letters and digits.
   */
  private static String replacementProblem(String replacement, Pattern regex, String marks, String part) {
    int n = replacement.length();
    for (int i = 0; i < n; i++) {
      char c = replacement.charAt(i);
      if (c == '\\' && i + 1 < n) {
        c = replacement.charAt(++i);
      } else if (c == '$' && i + 1 < n && Character.isDigit(replacement.charAt(i + 1))) {
        if (replacement.charAt(i + 1) - '0' > regex.groupCount()) {
          return "$" + replacement.charAt(i + 1) + " names no group: the expression has " + regex.groupCount();
        }
        i++;
        continue;
      } else if (c == '$' && i + 1 < n && replacement.charAt(i + 1) == '{') {
        int end = replacement.indexOf('}', i);
        String name = end < 0 ? null : replacement.substring(i + 2, end);
        if (name == null || !regex.namedGroups().containsKey(name)) {
          return "${" + (name == null ? "" : name) + "} names no group of the expression";
        }
        i = end;
        continue;
      }
      if (!only(String.valueOf(c), marks)) {
        return "holds " + describe(c) + ", which the " + part + " may not hold";
      }
    }
    return null;
  }

  private static String describe(char c) {
    return c < 0x20 || c == 0x7f ? String.format("the control character U+%04X", (int) c) : "'" + c + "'";
  }

  /** Whether every character is an ASCII letter or digit or one of {@code marks}. */
  private static boolean only(String s, String marks) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = c < 0x80 && Character.isLetterOrDigit(c);
      if (!alnum && marks.indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  // ---- header actions

  private static HeaderActions actions(ObjectReader r, InsertHeaders insert) {
    List<String> remove = new ArrayList<>();
    JsonArray names = r.list("remove");
    for (int i = 0; names != null && i < names.size(); i++) {
      String at = JsonPath.index(r.pathOf("remove"), i);
      if (!(names.getValue(i) instanceof String name)) {
        r.problems().error(at, "must be a header name");
      } else if (headerName(r.problems(), at, name, insert)) {
        remove.add(name);
      }
    }
    return new HeaderActions(remove, headers(r, "set", insert), headers(r, "add", insert));
  }

  /** An object of header name to value; read raw, as its keys are header names and not fields of the document. */
  private static List<HeaderActions.Header> headers(ObjectReader r, String field, InsertHeaders insert) {
    List<HeaderActions.Header> out = new ArrayList<>();
    Object raw = r.raw(field);
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof JsonObject map)) {
      r.error(field, "must be an object of header name to value");
      return out;
    }
    for (String name : map.fieldNames()) {
      String at = JsonPath.field(r.pathOf(field), name);
      Object value = map.getValue(name);
      if (!(value instanceof String text)) {
        r.problems().error(at, "must be a string");
        continue;
      }
      HeaderValue parsed = value(r.problems(), at, text);
      if (headerName(r.problems(), at, name, insert) && parsed != null) {
        out.add(new HeaderActions.Header(name, parsed));
      }
    }
    return out;
  }

  /** Whether {@code name} is a token the gateway lets a configuration set or remove; else reported at {@code at}. */
  private static boolean headerName(Problems problems, String at, String name, InsertHeaders insert) {
    if (name.isEmpty() || !only(name, TOKEN_MARKS)) {
      problems.error(at, "not a valid header name (RFC 9110 token)");
      return false;
    }
    String lower = name.toLowerCase(Locale.ROOT);
    String why = OWNED.get(lower);
    if (why == null && lower.startsWith("proxy-")) {
      why = "a hop-by-hop header";
    } else if (why == null && lower.startsWith("x-forwarded-")) {
      why = "the listener inserts it (insert_headers)";
    } else if (why == null && lower.equals("x-request-id") && insert.xRequestId()) {
      why = "the listener inserts it (insert_headers.X-Request-Id)";
    } else if (why == null && lower.equals("traceparent") && insert.traceparent()) {
      why = "the listener inserts it (insert_headers.traceparent)"; // a fixed one would give every request one trace
    }
    if (why != null) {
      problems.error(at, name + " cannot be set or removed: " + why);
      return false;
    }
    return true;
  }

  /** The value's literal parts and variables; null (reported) when it holds a control character or an unknown variable. */
  private static HeaderValue value(Problems problems, String at, String text) {
    List<HeaderValue.Part> parts = new ArrayList<>();
    int literal = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 && c != '\t' || c >= 0x7f) {
        problems.error(at, "holds " + (c >= 0x7f && c != 0x7f ? "a non-ASCII character" : describe(c))
            + ": a header value is visible ASCII, spaces and tabs");
        return null;
      }
      if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
        int end = text.indexOf('}', i);
        String name = end < 0 ? text.substring(i) : text.substring(i + 2, end);
        HeaderValue.Variable v = variable(name);
        if (v == null) {
          problems.error(at, "unknown variable ${" + name + (end < 0 ? "" : "}") + ", known: " + VARIABLES);
          return null;
        }
        if (i > literal) {
          parts.add(new HeaderValue.Part(text.substring(literal, i), null));
        }
        parts.add(new HeaderValue.Part(null, v));
        i = end;
        literal = end + 1;
      }
    }
    if (literal < text.length()) {
      parts.add(new HeaderValue.Part(text.substring(literal), null));
    }
    return new HeaderValue(parts);
  }

  private static HeaderValue.Variable variable(String name) {
    for (HeaderValue.Variable v : HeaderValue.Variable.values()) {
      if (v.spelled().equals(name)) {
        return v;
      }
    }
    return null;
  }
}
