package io.gatehouse.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one-file dashboard and the Content-Security-Policy it is served with: its own inline style and script
 * (by their SHA-256, so that nothing injected runs), fetches to its own origin only, no frames, no forms sent,
 * nothing from elsewhere.
 */
record DashboardPage(String html, String contentSecurityPolicy) {

  private static final Pattern STYLE = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL);
  private static final Pattern SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);

  static DashboardPage of(String html) {
    String csp = "default-src 'none'; script-src " + hashOf(SCRIPT, html) + "; style-src " + hashOf(STYLE, html)
        + "; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    return new DashboardPage(html, csp);
  }

  /** {@code 'sha256-...'} of the one element {@code p} finds; the page is built with exactly one of each. */
  private static String hashOf(Pattern p, String html) {
    Matcher m = p.matcher(html);
    if (!m.find()) {
      throw new IllegalStateException("the dashboard has no " + p.pattern());
    }
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(m.group(1).getBytes(StandardCharsets.UTF_8));
      return "'sha256-" + Base64.getEncoder().encodeToString(sha) + "'";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
