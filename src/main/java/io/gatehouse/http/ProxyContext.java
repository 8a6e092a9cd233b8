package io.gatehouse.http;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.PoolRegistry;
import io.netty.channel.EventLoop;

/**
 * What an exchange needs from its listener instance, for one configuration version: built again when a reload
 * swaps the listener's configuration.
 *
 * @param metrics where finished requests are counted
 * @param loop the listener instance's event loop, for the exchanges' timers
 * @param proto {@code http} or {@code https}, for X-Forwarded-Proto
 * @param port the listener port as text, for X-Forwarded-Port
 */
public record ProxyContext(
    RequestMetrics metrics,
    EventLoop loop,
    ListenerConfig config,
    PoolRegistry pools,
    StickyCookie cookies,
    AccessLog accessLog,
    MemberClients clients,
    ByteCounter bytes,
    String proto,
    String port) {

  /** Where the listener counts the bytes exchanged with clients (after TLS, heads included: {@link WireBytes}). */
  @FunctionalInterface
  public interface ByteCounter {
    void add(long in, long out);
  }
}
