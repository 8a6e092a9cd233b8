package io.gatehouse.config;

import io.gatehouse.config.GatehouseConfig.AdminConfig;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code admin} object: {@code host}, {@code port}, {@code token} or {@code token_file}, {@code allowed_hosts},
 * {@code insecure}, {@code tls}. An API bound beyond loopback must have a token unless {@code insecure: true}
 * says that it is meant to be open.
 */
final class AdminParser {

  private static final String DEFAULT_HOST = "127.0.0.1";

  private AdminParser() {}

  static AdminConfig parse(ObjectReader r, Path baseDir) {
    if (r == null) {
      return new AdminConfig(DEFAULT_HOST, 9900, null, null);
    }
    String host = r.string("host", DEFAULT_HOST);
    boolean literal = Addresses.isIpLiteral(host);
    if (!literal) {
      r.error("host", "must be an IP address");
    }
    int port = r.intIn("port", 1, 65535, 9900);
    Token given = token(r, baseDir);
    String token = given.value();
    boolean insecure = r.bool("insecure", false);
    if (literal && token == null && !insecure && !r.has("token") && !r.has("token_file") && !isLoopback(host)) {
      r.error("token", "the admin API on " + host + " can be reached from other hosts: set token or token_file"
          + " (or insecure: true to leave it open to anyone who can reach it)");
    }
    List<String> allowedHosts = allowedHosts(r);
    ObjectReader tls = r.object("tls");
    return new AdminConfig(host, port, token, tls == null ? null : new TlsParser(baseDir).parse(tls,
        TlsPolicyName.TLS_1_2, "the admin API does not staple OCSP responses"), allowedHosts,
        insecure, given.file());
  }

  /** A token and the file it was read from (null when inline or none). */
  private record Token(String value, Path file) {
    static final Token NONE = new Token(null, null);
  }

  /** {@code token}, or the trimmed contents of {@code token_file}; none when neither is given (or one is bad). */
  private static Token token(ObjectReader r, Path baseDir) {
    if (r.has("token") && r.has("token_file")) {
      r.error("token_file", "give either token or token_file, not both");
      r.accept("token");
      return Token.NONE;
    }
    if (!r.has("token_file")) {
      String token = r.string("token");
      if (token != null && token.isEmpty()) {
        r.error("token", "must not be empty (null leaves the API open)");
      }
      return new Token(token, null);
    }
    Path file = ConfigFiles.file(r, "token_file", baseDir);
    if (file == null) {
      return Token.NONE;
    }
    String token;
    try {
      token = TokenFile.read(file);
    } catch (IOException e) {
      r.error("token_file", e.getMessage().startsWith("must ") ? e.getMessage()
          : "cannot read " + file + ": " + e.getMessage());
      return Token.NONE;
    }
    if (token.isEmpty()) {
      r.error("token_file", "file is empty: " + file);
      return Token.NONE;
    }
    if (ConfigFiles.readableByOthers(file)) {
      r.problems().warn(r.pathOf("token_file"), "token file " + file + " can be read by other users; chmod 600 it");
    }
    return new Token(token, file);
  }

  /**
   * Host names or IP addresses (IPv6 with or without brackets) as a {@code Host} header names them, without a port:
   * kept in lower case and without a final dot, as requests are compared.
   */
  private static List<String> allowedHosts(ObjectReader r) {
    List<String> hosts = new ArrayList<>();
    JsonArray list = r.list("allowed_hosts");
    if (list == null) {
      return hosts;
    }
    for (int i = 0; i < list.size(); i++) {
      String name = list.getValue(i) instanceof String s ? allowedHost(s) : null;
      if (name != null) {
        hosts.add(name);
      } else {
        r.problems().error(JsonPath.index(r.pathOf("allowed_hosts"), i),
            "must be a host name like gw.example.com or an IP address, without a port or scheme");
      }
    }
    return hosts;
  }

  /** The entry as requests are compared with it, or null when it is no host name or address. */
  private static String allowedHost(String entry) {
    boolean bracketed = entry.startsWith("[") && entry.endsWith("]");
    String name = bracketed ? entry.substring(1, entry.length() - 1) : entry;
    if (bracketed || name.indexOf(':') >= 0) {
      return name.indexOf(':') >= 0 && Addresses.isIpLiteral(name) ? name.toLowerCase(Locale.ROOT) : null;
    }
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1); // the root of DNS: the same name
    }
    return !name.isEmpty() && name.chars().allMatch(AdminParser::inAName) ? name.toLowerCase(Locale.ROOT) : null;
  }

  /** Letters, digits and {@code - . _}: what a host name in a {@code Host} header holds. */
  private static boolean inAName(int c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_';
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress(); // an IP literal (validated): no DNS
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
