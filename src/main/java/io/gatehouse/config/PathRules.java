package io.gatehouse.config;

/**
 * How an HTTP or HTTPS listener makes request paths normal before its policies match them and its members get
 * them: {@code merge_slashes} (repeated slashes become one) and {@code escaped_slashes} ({@code "keep"}: an
 * encoded {@code /} or {@code \} passes on as sent; {@code "reject"}: such a request gets 400).
 */
public record PathRules(boolean mergeSlashes, boolean keepEscapedSlashes) {

  public static final PathRules DEFAULTS = new PathRules(true, false);
}
