package io.gatehouse.config;

/**
 * What a listener or an L7 policy changes in the requests it passes to members and their responses:
 * {@code rewrite}, {@code request_headers}, {@code response_headers}.
 */
public record HttpEdits(Rewrite rewrite, HeaderActions requestHeaders, HeaderActions responseHeaders) {

  public static final HttpEdits NONE = new HttpEdits(Rewrite.NONE, HeaderActions.NONE, HeaderActions.NONE);

  /** A policy's edits over its listener's: rewrite parts and headers it does not name come from {@code base}. */
  public HttpEdits over(HttpEdits base) {
    if (base.equals(NONE)) {
      return this;
    }
    return new HttpEdits(rewrite.over(base.rewrite), requestHeaders.over(base.requestHeaders),
        responseHeaders.over(base.responseHeaders));
  }
}
