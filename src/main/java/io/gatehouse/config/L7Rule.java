package io.gatehouse.config;

/**
 * One rule of a policy. {@code key} is the header name (HEADER) or query parameter (QUERY_STRING), else null.
 * A REGEX value was checked to compile at load; the router compiles it once per configuration version.
 */
public record L7Rule(Type type, CompareType compareType, String key, String value) {

  public enum Type { HOST_NAME, PATH, HEADER, QUERY_STRING, METHOD }

  public enum CompareType { EQUAL_TO, STARTS_WITH, REGEX }
}
