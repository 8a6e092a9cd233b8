package io.gatehouse.config;

import io.gatehouse.config.L7Policy.Action;
import io.gatehouse.config.L7Rule.CompareType;
import io.vertx.core.json.JsonArray;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A listener's {@code l7_policies}: rules, actions and their references; returned sorted by position. */
final class L7PolicyParser {
  private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);
  private static final int MAX_BODY = 8192;
  private static final Map<Action, List<String>> ACTION_FIELDS = Map.of(
      Action.REDIRECT_TO_POOL, List.of("redirect_pool", "redirect_pools"),
      Action.REDIRECT_TO_URL, List.of("redirect_url", "status_code"),
      Action.REDIRECT_TO_LISTENER, List.of("redirect_listener", "status_code"),
      Action.FIXED_RESPONSE, List.of("status_code", "content_type", "body"));
  private static final List<String> ALL_ACTION_FIELDS =
      List.of("redirect_pool", "redirect_pools", "redirect_url", "redirect_listener", "status_code", "content_type",
          "body");

  private final Declarations declared;

  L7PolicyParser(Declarations declared) {
    this.declared = declared;
  }

  /** @param insert the listener's insert_headers, which the policies' header actions must leave alone */
  List<L7Policy> parse(List<ObjectReader> entries, String listener, ListenerProtocol protocol, InsertHeaders insert) {
    List<L7Policy> policies = new ArrayList<>();
    UniqueNames names = new UniqueNames();
    for (int i = 0; i < entries.size(); i++) {
      ObjectReader r = entries.get(i);
      if (r == null) {
        continue;
      }
      String name = r.requiredString("name");
      names.claim(r, name);
      int position = position(r, i + 1);
      policies.add(policy(r, name, position, rules(r), listener, protocol, insert));
    }
    policies.sort(Comparator.comparingInt(L7Policy::position)); // List.sort is stable
    return policies;
  }

  private static int position(ObjectReader r, int dflt) {
    Long position = r.integer("position");
    if (position == null) {
      return dflt;
    }
    if (position < 1 || position > Integer.MAX_VALUE) {
      r.error("position", "must be at least 1");
      return dflt;
    }
    return position.intValue();
  }

  private L7Policy policy(ObjectReader r, String name, int position, List<L7Rule> rules, String listener,
      ListenerProtocol protocol, InsertHeaders insert) {
    Action action = r.requiredEnum("action", Action.class);
    if (action == null) {
      r.accept(ALL_ACTION_FIELDS.toArray(String[]::new));
      r.accept(HttpEditsParser.FIELDS.toArray(String[]::new));
      return new L7Policy(name, position, rules, null, null, null, null, 0, null, null);
    }
    ALL_ACTION_FIELDS.stream().filter(f -> !ACTION_FIELDS.get(action).contains(f))
        .forEach(f -> r.ignore(f, "not used by action " + action));
    if (action != Action.REDIRECT_TO_POOL) {
      // the gateway answers itself: no member to rewrite for (still checked, so that a typo is found now)
      HttpEditsParser.FIELDS.forEach(f -> r.ignore(f, "only REDIRECT_TO_POOL passes requests on"));
      HttpEditsParser.parse(r, insert);
    }
    return switch (action) {
      case REDIRECT_TO_POOL -> {
        List<PoolWeight> pools = PoolSplitParser.parse(r, "redirect_pool", declared, protocol);
        String pool = pools.size() == 1 ? pools.get(0).pool() : null;
        yield new L7Policy(name, position, rules, action, pool, null, null, 0, null, null, pools,
            HttpEditsParser.parse(r, insert));
      }
      case REDIRECT_TO_URL -> new L7Policy(name, position, rules, action, null, url(r), null, redirectCode(r, 302),
          null, null);
      case REDIRECT_TO_LISTENER -> {
        String target = r.requiredString("redirect_listener");
        declared.checkHttpListener(r, "redirect_listener", target, listener);
        yield new L7Policy(name, position, rules, action, null, null, target, redirectCode(r, 301), null, null);
      }
      case FIXED_RESPONSE -> {
        String body = r.string("body", "");
        if (body.length() > MAX_BODY) {
          r.error("body", "must be at most " + MAX_BODY + " characters");
        }
        yield new L7Policy(name, position, rules, action, null, null, null, r.intIn("status_code", 200, 599, 200),
            r.string("content_type", "text/plain"), body);
      }
    };
  }

  private static String url(ObjectReader r) {
    String url = r.requiredString("redirect_url");
    if (url == null) {
      return null;
    }
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      if (("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && uri.getHost() != null) {
        return url;
      }
    } catch (URISyntaxException e) {
      // reported below like any other non-URL
    }
    r.error("redirect_url", "must be an absolute http or https URL");
    return url;
  }

  private static int redirectCode(ObjectReader r, int dflt) {
    Long code = r.integer("status_code");
    if (code == null) {
      return dflt;
    }
    if (!REDIRECT_CODES.contains(code.intValue()) || code != code.intValue()) {
      r.error("status_code", "must be one of 301, 302, 303, 307, 308");
      return dflt;
    }
    return code.intValue();
  }

  private static List<L7Rule> rules(ObjectReader policy) {
    if (!policy.has("rules")) {
      policy.error("rules", "is required");
      return List.of();
    }
    if (policy.raw("rules") instanceof JsonArray list && list.isEmpty()) {
      policy.error("rules", "must not be empty");
    }
    List<ObjectReader> entries = policy.objects("rules");
    List<L7Rule> rules = new ArrayList<>();
    for (ObjectReader r : entries) {
      if (r != null) {
        rules.add(rule(r));
      }
    }
    return rules;
  }

  private static L7Rule rule(ObjectReader r) {
    L7Rule.Type type = r.requiredEnum("type", L7Rule.Type.class);
    CompareType compare = r.requiredEnum("compare_type", CompareType.class);
    String key = null;
    if (type == L7Rule.Type.HEADER || type == L7Rule.Type.QUERY_STRING) {
      if (!r.has("key")) {
        r.error("key", "is required for " + type + " rules");
      } else {
        key = r.requiredString("key");
      }
    } else if (type != null) {
      r.refuse("key", "only HEADER and QUERY_STRING rules take a key");
    } else {
      r.accept("key");
    }
    String value = r.requiredString("value");
    if (value != null && compare == CompareType.REGEX) {
      try {
        Pattern.compile(value);
      } catch (PatternSyntaxException e) {
        r.error("value", "invalid regular expression: " + e.getDescription()
            + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
      }
    }
    return new L7Rule(type, compare, key, value);
  }
}
