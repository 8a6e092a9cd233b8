package io.gatehouse.config;

import java.util.List;

/**
 * One {@code l7_policies[]} entry. Only the fields of its action are set: {@code redirectPool} for
 * REDIRECT_TO_POOL, {@code redirectUrl} for REDIRECT_TO_URL, {@code redirectListener} for REDIRECT_TO_LISTENER,
 * {@code contentType} and {@code body} for FIXED_RESPONSE; {@code statusCode} is the status to answer with
 * (defaulted per action: 302 for URL, 301 for listener, 200 for fixed), 0 for REDIRECT_TO_POOL. A REDIRECT_TO_POOL
 * policy's {@code redirectPools} holds its pools ({@code redirect_pool} reads as one entry of weight 1, and only
 * then is {@code redirectPool} set, or {@code redirect_pools} has a single entry); empty for other actions.
 * {@code edits} are the policy's own rewrite and header actions (REDIRECT_TO_POOL only), not yet merged over its
 * listener's.
 */
public record L7Policy(
    String name,
    int position,
    List<L7Rule> rules,
    Action action,
    String redirectPool,
    String redirectUrl,
    String redirectListener,
    int statusCode,
    String contentType,
    String body,
    List<PoolWeight> redirectPools,
    HttpEdits edits) {

  public enum Action { REDIRECT_TO_POOL, REDIRECT_TO_URL, REDIRECT_TO_LISTENER, FIXED_RESPONSE }

  public L7Policy {
    rules = List.copyOf(rules);
    redirectPools = List.copyOf(redirectPools);
  }

  /** A policy without rewrites or header actions. */
  public L7Policy(String name, int position, List<L7Rule> rules, Action action, String redirectPool,
      String redirectUrl, String redirectListener, int statusCode, String contentType, String body,
      List<PoolWeight> redirectPools) {
    this(name, position, rules, action, redirectPool, redirectUrl, redirectListener, statusCode, contentType, body,
        redirectPools, HttpEdits.NONE);
  }

  /** A policy without a split: {@code redirectPool}, when set, is its only pool. */
  public L7Policy(String name, int position, List<L7Rule> rules, Action action, String redirectPool,
      String redirectUrl, String redirectListener, int statusCode, String contentType, String body) {
    this(name, position, rules, action, redirectPool, redirectUrl, redirectListener, statusCode, contentType, body,
        redirectPool == null ? List.of() : List.of(new PoolWeight(redirectPool, 1)));
  }
}
