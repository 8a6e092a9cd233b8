package io.gatehouse.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body that stops flowing once it passes {@code max_body_size} (bodies without a Content-Length:
 * chunked, or HTTP/2 without one): past the limit nothing more is passed on and {@code onOver} runs once.
 */
final class LimitedBody implements ReadStream<Buffer> {

  private final ReadStream<Buffer> source;
  private final long limit;
  private final Runnable onOver;
  private long seen;
  private boolean over;

  LimitedBody(ReadStream<Buffer> source, long limit, Runnable onOver) {
    this.source = source;
    this.limit = limit;
    this.onOver = onOver;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    source.handler(handler == null ? null : chunk -> {
      if (over) {
        return;
      }
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
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
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
