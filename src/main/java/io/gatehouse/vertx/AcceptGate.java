package io.gatehouse.vertx;

import io.netty.channel.Channel;

/**
 * Whether a connection a listening socket has just accepted may go on to Vert.x. Asked on the acceptor thread
 * before the connection is registered anywhere: no TLS, no Vert.x objects yet. False closes it unread.
 * Must be cheap and must not block.
 */
@FunctionalInterface
public interface AcceptGate {

  boolean admit(Channel accepted);
}
