package io.gatehouse.config;

import java.util.HashMap;
import java.util.Map;

/** Names that must be unique within one list: the second use of a name is an error pointing at the first. */
final class UniqueNames {
  private final Map<String, String> firstPath = new HashMap<>();

  void claim(ObjectReader r, String name) {
    if (name == null) {
      return;
    }
    String first = firstPath.putIfAbsent(name, r.path());
    if (first != null) {
      r.error("name", "name \"" + name + "\" is already used by " + first);
    }
  }
}
