package io.gatehouse.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

/**
 * An IPv4 or IPv6 network in CIDR notation. IPv4-mapped IPv6 client addresses ({@code ::ffff:a.b.c.d}) are
 * matched against IPv4 networks, because a dual-stack socket (or a PROXY header) may report IPv4 clients that way;
 * a network written mapped ({@code ::ffff:10.0.0.0/104}) is the IPv4 network it maps ({@code 10.0.0.0/8}), and one
 * wider than the mapped range ({@code /96}) is refused.
 */
public record Cidr(String text, byte[] network, int prefixLength) {

  /** Parses {@code a.b.c.d/n}, {@code x::y/n} or a bare address (a host network); empty when malformed. */
  public static Optional<Cidr> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    int slash = text.indexOf('/');
    String addr = slash < 0 ? text : text.substring(0, slash);
    if (!isIpLiteral(addr)) {
      return Optional.empty();
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(addr).getAddress();
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
    // an IPv4-mapped literal (::ffff:a.b.c.d) comes back as IPv4: its prefix counts the 96 bits in front
    boolean mapped = addr.indexOf(':') >= 0 && bytes.length == 4;
    int max = mapped ? 128 : bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = text.substring(slash + 1);
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
        return Optional.empty();
      }
      prefix = Integer.parseInt(p);
      if (prefix > max) {
        return Optional.empty();
      }
    }
    if (mapped) {
      if (prefix < 96) {
        return Optional.empty(); // wider than the mapped range: not an IPv4 network
      }
      prefix -= 96;
    }
    return Optional.of(new Cidr(text, mask(bytes, prefix), prefix));
  }

  /** True for an IPv4 dotted quad or an IPv6 literal; never triggers a DNS look-up. */
  public static boolean isIpLiteral(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    if (s.indexOf(':') >= 0) {
      return s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
    }
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
          || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Whether any of {@code cidrs} holds {@code address}. */
  public static boolean anyContains(java.util.List<Cidr> cidrs, byte[] address) {
    for (int i = 0; i < cidrs.size(); i++) {
      if (cidrs.get(i).contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code text} is written as an IPv4-mapped IPv6 address or network ({@code ::ffff:a.b.c.d[/n]}). */
  public static boolean isV4MappedText(String text) {
    return text != null && text.indexOf(':') >= 0 && text.indexOf('.') >= 0;
  }

  /**
   * An IPv4-mapped address ({@code ::ffff:a.b.c.d}) is its IPv4 address: it matches IPv4 networks and no IPv6
   * one, not even {@code ::/0}, which therefore matches every IPv6 client and no IPv4 one.
   */
  public boolean contains(byte[] address) {
    byte[] a = address;
    if (a.length == 16 && isV4Mapped(a)) {
      a = Arrays.copyOfRange(a, 12, 16);
    }
    if (a.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int m = (0xff << (8 - rest)) & 0xff;
    return (a[full] & m) == (network[full] & m);
  }

  /** Whether a 16-byte address is IPv4-mapped ({@code ::ffff:a.b.c.d}). */
  public static boolean isV4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = bytes.clone();
    for (int bit = prefix; bit < out.length * 8; bit++) {
      out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return out;
  }

  // value semantics on the text: two CIDRs written alike are the same configuration
  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
