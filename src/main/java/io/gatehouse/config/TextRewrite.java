package io.gatehouse.config;

import com.google.re2j.Pattern;

/**
 * One text replacement of a {@code rewrite}: every match of {@code regex} replaced by {@code replacement}
 * ({@code $1}... and {@code ${name}} are its groups), or a leading {@code prefix} replaced. Exactly one of
 * {@code regex} and {@code prefix} is set. The expression is compiled once, at load, with RE2/J: matching takes
 * time linear in the input, whatever the expression. (RE2/J patterns compare by expression and flags, so an
 * unchanged rewrite leaves its listener unchanged on reload.)
 */
public record TextRewrite(Pattern regex, String prefix, String replacement) {

  public static TextRewrite regex(Pattern regex, String replacement) {
    return new TextRewrite(regex, null, replacement);
  }

  public static TextRewrite prefix(String prefix, String replacement) {
    return new TextRewrite(null, prefix, replacement);
  }
}
