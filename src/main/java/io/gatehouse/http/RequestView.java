package io.gatehouse.http;

/**
 * What forwarding policies look at in a request. The HTTP listener adapts its live request to this; the admin
 * route API builds one from query parameters, so both decide the same way.
 */
public interface RequestView {

  /** Upper-case method, e.g. {@code GET}. */
  String method();

  /** The Host (or :authority) without any port, lower case, without a trailing dot; empty when absent. */
  String host();

  /** The path without the query, made normal ({@link RequestPath}): what the member gets. */
  String path();

  /** The raw query without the leading '?', or null when there is none. */
  String query();

  /** The first value of a request header, or null. */
  String header(String name);
}
