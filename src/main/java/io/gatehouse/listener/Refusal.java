package io.gatehouse.listener;

/** Why a client was turned away before anything was sent; the contract's {@code reason} label. */
public enum Refusal {
  ACL("acl"), LIMIT("limit"), TLS("tls");

  private final String label;

  Refusal(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
