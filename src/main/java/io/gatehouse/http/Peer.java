package io.gatehouse.http;

/**
 * The client side of a connection as the proxy needs it: address text (sticky key, headers), its hash (SOURCE_IP),
 * the text for logs, and the subject of a verified client certificate (mutual TLS), else null.
 */
public record Peer(String ip, long hash, String display, String certSubject) {}
