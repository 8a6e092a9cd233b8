package io.gatehouse.config;

/**
 * How big a request head may be ({@code max_header_size}) and how many header lines it may have
 * ({@code max_headers}, -1: no count limit), for HTTP and HTTPS listeners. The size bounds the request line and
 * the header block each (past it: 414, 431); on HTTP/2 it is the header list size offered in SETTINGS.
 */
public record HeadLimits(int maxHeaderSize, int maxHeaders) {

  /** The contract's 32 KiB. */
  public static final int DEFAULT_MAX_HEADER_SIZE = 32 * 1024;
  public static final HeadLimits DEFAULTS = new HeadLimits(DEFAULT_MAX_HEADER_SIZE, -1);

  public boolean countsHeaders() {
    return maxHeaders > 0;
  }
}
