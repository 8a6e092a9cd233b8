package io.gatehouse.config;

import io.gatehouse.config.GatehouseConfig.AdminConfig;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
  private static final int MAX_TOKEN = 4096;

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
    String token = token(r, baseDir);
    boolean insecure = r.bool("insecure", false);
    if (literal && token == null && !insecure && !r.has("token") && !r.has("token_file") && !isLoopback(host)) {
      r.error("token", "the admin API on " + host + " can be reached from other hosts: set token or token_file"
          + " (or insecure: true to leave it open to anyone who can reach it)");
    }
    List<String> allowedHosts = allowedHosts(r);
    ObjectReader tls = r.object("tls");
    return new AdminConfig(host, port, token, tls == null ? null : new TlsParser(baseDir).parse(tls), allowedHosts,
        insecure);
  }

  /** {@code token}, or the trimmed contents of {@code token_file}; null when neither is given (or one is bad). */
  private static String token(ObjectReader r, Path baseDir) {
    if (r.has("token") && r.has("token_file")) {
      r.error("token_file", "give either token or token_file, not both");
      r.accept("token");
      return null;
    }
    if (!r.has("token_file")) {
      String token = r.string("token");
      if (token != null && token.isEmpty()) {
        r.error("token", "must not be empty (null leaves the API open)");
      }
      return token;
    }
    Path file = ConfigFiles.file(r, "token_file", baseDir);
    if (file == null) {
      return null;
    }
    String token;
    try {
      if (Files.size(file) > MAX_TOKEN) {
        r.error("token_file", "must hold at most " + MAX_TOKEN + " bytes: " + file);
        return null;
      }
      token = Files.readString(file, StandardCharsets.UTF_8).trim(); // the newline editors and echo leave
    } catch (IOException e) {
      r.error("token_file", "cannot read " + file + ": " + e.getMessage());
      return null;
    }
    if (token.isEmpty()) {
      r.error("token_file", "file is empty: " + file);
      return null;
    }
    if (ConfigFiles.readableByOthers(file)) {
      r.problems().warn(r.pathOf("token_file"), "token file " + file + " can be read by other users; chmod 600 it");
    }
    return token;
  }

  /** Host names (or addresses, IPv6 with or without brackets), compared case-insensitively: kept in lower case. */
  private static List<String> allowedHosts(ObjectReader r) {
    List<String> hosts = new ArrayList<>();
    JsonArray list = r.list("allowed_hosts");
    if (list == null) {
      return hosts;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.getValue(i) instanceof String s && !s.isEmpty() && s.chars().noneMatch(AdminParser::notInAHost)) {
        String name = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        hosts.add(name.toLowerCase(Locale.ROOT));
      } else {
        r.problems().error(JsonPath.index(r.pathOf("allowed_hosts"), i), "must be a host name like gw.example.com");
      }
    }
    return hosts;
  }

  /** Characters a Host header's name never holds (a port is not part of an allowed name either). */
  private static boolean notInAHost(int c) {
    return c <= ' ' || c == '/' || c == '@' || c == '?' || c == '#' || c == '\\' || c >= 0x7f;
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress(); // an IP literal (validated): no DNS
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
