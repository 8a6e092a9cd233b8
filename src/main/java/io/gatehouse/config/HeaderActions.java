package io.gatehouse.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code request_headers} or {@code response_headers}: headers removed, then set (replacing every value), then
 * added (another line beside those there), in the order written.
 */
public record HeaderActions(List<String> remove, List<Header> set, List<Header> add) {

  public static final HeaderActions NONE = new HeaderActions(List.of(), List.of(), List.of());

  /** One header name with its value. */
  public record Header(String name, HeaderValue value) {}

  public HeaderActions {
    remove = List.copyOf(remove);
    set = List.copyOf(set);
    add = List.copyOf(add);
  }

  public boolean isEmpty() {
    return remove.isEmpty() && set.isEmpty() && add.isEmpty();
  }

  /**
   * These actions, and {@code base}'s for every header these do not name: a policy's actions replace its
   * listener's for the headers they name.
   */
  public HeaderActions over(HeaderActions base) {
    if (base.isEmpty()) {
      return this;
    }
    Set<String> named = new HashSet<>();
    remove.forEach(n -> named.add(lower(n)));
    set.forEach(h -> named.add(lower(h.name())));
    add.forEach(h -> named.add(lower(h.name())));
    List<String> r = new ArrayList<>(base.remove.stream().filter(n -> !named.contains(lower(n))).toList());
    List<Header> s = new ArrayList<>(base.set.stream().filter(h -> !named.contains(lower(h.name()))).toList());
    List<Header> a = new ArrayList<>(base.add.stream().filter(h -> !named.contains(lower(h.name()))).toList());
    r.addAll(remove);
    s.addAll(set);
    a.addAll(add);
    return new HeaderActions(r, s, a);
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
