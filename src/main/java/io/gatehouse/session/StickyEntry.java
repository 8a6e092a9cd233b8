package io.gatehouse.session;

/**
 * A sticky entry as reported outside the table: the member identity, the time left and when the mapping was
 * first recorded (wall clock, comparable across nodes).
 */
public record StickyEntry(String memberId, long expiresInMillis, long createdAtMillis) {}
