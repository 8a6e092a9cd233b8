package io.gatehouse.pool;

import java.time.Instant;

/**
 * A member's drain: since when it takes no new connections and, with a {@code deregistration_delay}, when what is
 * still open to it is closed ({@code endsAt}; null without a delay: open connections go on until they end).
 */
public record MemberDrain(Instant since, Instant endsAt) {}
