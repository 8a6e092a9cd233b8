package io.gatehouse.http;

import io.gatehouse.config.L7Rule;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One compiled {@link L7Rule}: which part of the request it reads and how it compares. Immutable and shared by
 * every event loop; a REGEX keeps one {@link Matcher} per thread so matching allocates nothing.
 */
final class RuleMatcher {

  private final L7Rule.Type type;
  private final String key;
  private final L7Rule.CompareType compare;
  private final String value;
  private final ThreadLocal<Matcher> matcher;

  private RuleMatcher(L7Rule.Type type, String key, L7Rule.CompareType compare, String value, Pattern pattern) {
    this.type = type;
    this.key = key;
    this.compare = compare;
    this.value = value;
    this.matcher = pattern == null ? null : ThreadLocal.withInitial(() -> pattern.matcher(""));
  }

  static RuleMatcher compile(L7Rule rule) {
    boolean caseless = rule.type() == L7Rule.Type.HOST_NAME || rule.type() == L7Rule.Type.METHOD;
    if (rule.compareType() == L7Rule.CompareType.REGEX) {
      // Lower-casing a pattern would change escapes such as \S or \W: let the pattern ignore case instead.
      Pattern pattern = Pattern.compile(rule.value(), caseless ? Pattern.CASE_INSENSITIVE : 0);
      return new RuleMatcher(rule.type(), rule.key(), rule.compareType(), rule.value(), pattern);
    }
    String value = rule.value();
    if (rule.type() == L7Rule.Type.HOST_NAME) {
      value = value.toLowerCase(Locale.ROOT);
    } else if (rule.type() == L7Rule.Type.METHOD) {
      value = value.toUpperCase(Locale.ROOT);
    }
    return new RuleMatcher(rule.type(), rule.key(), rule.compareType(), value, null);
  }

  boolean matches(RequestView request) {
    CharSequence subject = subject(request);
    if (subject == null) {
      return false;
    }
    return switch (compare) {
      case EQUAL_TO -> subject.length() == value.length() && startsWith(subject);
      case STARTS_WITH -> subject.length() >= value.length() && startsWith(subject);
      case REGEX -> matcher.get().reset(subject).find();
    };
  }

  private CharSequence subject(RequestView request) {
    return switch (type) {
      case HOST_NAME -> request.host();
      case PATH -> request.path();
      case METHOD -> request.method();
      case HEADER -> request.header(key);
      case QUERY_STRING -> QueryParam.firstValue(request.query(), key);
    };
  }

  private boolean startsWith(CharSequence subject) {
    for (int i = 0; i < value.length(); i++) {
      if (subject.charAt(i) != value.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
