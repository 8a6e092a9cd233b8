package io.gatehouse.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body on its way to the member. It notes when the client last sent a chunk (the stall timer of
 * {@link ProxyExchange} reads it), and it stops flowing once it passes {@code limit} ({@code max_body_size}
 * for bodies without a Content-Length: chunked, or HTTP/2 without one): past the limit nothing more is passed
 * on and {@code onOver} runs once.
 */
final class ClientBody implements ReadStream<Buffer> {

  private final ReadStream<Buffer> source;
  private final long limit;
  private final Runnable onOver;
  private long seen;
  private boolean over;
  private long lastChunkNanos = System.nanoTime();
  private boolean paused;

  /** @param limit the most bytes passed on, {@code Long.MAX_VALUE} for no limit */
  ClientBody(ReadStream<Buffer> source, long limit, Runnable onOver) {
    this.source = source;
    this.limit = limit;
    this.onOver = onOver;
  }

  /** When the last chunk arrived (or when the body began to be read, before the first chunk). */
  long lastChunkNanos() {
    return lastChunkNanos;
  }

  /** Restarts the stall clock: the gateway, not the client, held the body back until now. */
  void touch() {
    lastChunkNanos = System.nanoTime();
  }

  /** Whether the gateway holds the body back (the member is not reading): then the client is not stalling. */
  boolean paused() {
    return paused;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    source.handler(handler == null ? null : chunk -> {
      if (over) {
        return;
      }
      lastChunkNanos = System.nanoTime();
      seen += chunk.length();
      if (seen > limit) {
        over = true;
        source.pause();
        onOver.run();
      } else {
        handler.handle(chunk);
      }
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    paused = true;
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    if (paused) {
      paused = false;
      touch();
    }
    if (!over) {
      source.resume();
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    if (!over) {
      source.fetch(amount);
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler);
    return this;
  }
}
