package io.gatehouse.config;

/**
 * {@code rewrite} of a listener or an L7 policy: what the member gets instead of what the client sent. Each part is
 * null when not rewritten: {@code path}, {@code host} (the Host header; X-Forwarded-Host keeps the client's) and
 * {@code query} (the raw query without its {@code ?}; an empty result drops it).
 */
public record Rewrite(TextRewrite path, String host, TextRewrite query) {

  public static final Rewrite NONE = new Rewrite(null, null, null);

  /** This rewrite's parts, and {@code base}'s for the parts this one does not give (a policy over its listener). */
  public Rewrite over(Rewrite base) {
    return new Rewrite(path != null ? path : base.path, host != null ? host : base.host,
        query != null ? query : base.query);
  }

  /** Whether the request-target changes (path or query). */
  public boolean rewritesTarget() {
    return path != null || query != null;
  }
}
