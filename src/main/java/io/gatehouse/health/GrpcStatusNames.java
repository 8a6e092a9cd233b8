package io.gatehouse.health;

import java.util.List;

/** gRPC's status codes by number, so that a probe's reason reads {@code grpc-status 5 NOT_FOUND}. */
final class GrpcStatusNames {

  private static final List<String> NAMES = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED");

  private GrpcStatusNames() {}

  /**
   * {@code "5"} -> {@code "5 NOT_FOUND"}; a number gRPC does not define is given alone, and anything else (the
   * member's own text) is not repeated, since reasons reach logs and the status document.
   */
  static String of(String status) {
    if (status.isEmpty() || status.length() > 3 || !status.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return "not a number";
    }
    int code = Integer.parseInt(status);
    return code < NAMES.size() ? code + " " + NAMES.get(code) : String.valueOf(code);
  }
}
