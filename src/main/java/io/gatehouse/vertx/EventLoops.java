package io.gatehouse.vertx;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The Netty event loops behind a Vert.x instance, for their queue lengths: Vert.x has no event-loop meters, and a
 * loop whose task queue grows is one that cannot keep up. Read at scrape time only.
 */
public final class EventLoops {

  private EventLoops() {}

  /**
   * Each event loop's pending tasks by a stable name: its index in Vert.x's event loop group ({@code 0},
   * {@code 1}, ...), and {@code acceptor} for the loop that accepts connections. Thread names are not used: Netty
   * starts a loop's thread lazily, so their numbers follow first use, not the loop.
   */
  public static Map<String, IntSupplier> pendingTasks(Vertx vertx) {
    VertxInternal internal = (VertxInternal) vertx;
    Map<String, IntSupplier> out = new LinkedHashMap<>();
    add(out, "", internal.eventLoopGroup());
    add(out, "acceptor", internal.acceptorEventLoopGroup());
    return out;
  }

  /** The loops of {@code group} as {@code prefix} + index ({@code prefix} alone for a group of one). */
  private static void add(Map<String, IntSupplier> out, String prefix, EventLoopGroup group) {
    List<EventExecutor> loops = new ArrayList<>();
    group.forEach(loops::add);
    for (int i = 0; i < loops.size(); i++) {
      if (loops.get(i) instanceof SingleThreadEventExecutor loop) {
        // pendingTasks() reads the MPSC queue's indices: safe from the scraping thread, no task submitted
        String name = prefix.isEmpty() ? Integer.toString(i) : loops.size() == 1 ? prefix : prefix + "-" + i;
        out.put(name, loop::pendingTasks);
      }
    }
  }
}
