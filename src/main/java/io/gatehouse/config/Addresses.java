package io.gatehouse.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Syntax of the addresses a configuration names; never resolves a name (no DNS at validation). */
final class Addresses {
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private Addresses() {}

  /** An IPv4 dotted quad or a well-formed IPv6 literal. */
  static boolean isIpLiteral(String s) {
    // Cidr's check only looks at characters; the JDK parses literals without a look-up and rejects bad ones
    return Cidr.isIpLiteral(s) && parse(s) != null;
  }

  /** An RFC 1123 host name, optionally ending in a dot; an all-numeric last label is a bad IP, not a name. */
  static boolean isHostName(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    String name = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    if (name.isEmpty() || name.length() > 253) {
      return false;
    }
    String[] labels = name.split("\\.", -1);
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return !labels[labels.length - 1].chars().allMatch(Character::isDigit);
  }

  static boolean isWildcard(String ip) {
    InetAddress a = parse(ip);
    return a != null && a.isAnyLocalAddress();
  }

  /** One spelling per address ({@code ::1} and {@code 0:0::1} alike; names lower-cased) for duplicate checks. */
  static String canonical(String address) {
    if (Cidr.isIpLiteral(address)) {
      InetAddress a = parse(address);
      if (a != null) {
        return a.getHostAddress();
      }
    }
    return address.toLowerCase(Locale.ROOT);
  }

  private static InetAddress parse(String literal) {
    if (!Cidr.isIpLiteral(literal)) {
      return null;
    }
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
