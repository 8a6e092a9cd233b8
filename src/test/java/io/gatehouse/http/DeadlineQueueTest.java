package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deadlines of one duration on an event loop: due in the order set, moved or taken out without a task each. */
class DeadlineQueueTest {

  private final EventLoop loop = new DefaultEventLoop();

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private void on(Runnable r) throws Exception {
    loop.submit(r).get(5, TimeUnit.SECONDS);
  }

  @Test
  void entriesComeDueInTheOrderTheyWereAddedAndARemovedOneNever() throws Exception {
    List<String> due = new CopyOnWriteArrayList<>();
    DeadlineQueue q = new DeadlineQueue(loop, TimeUnit.MILLISECONDS.toNanos(200));
    DeadlineQueue.Entry a = new DeadlineQueue.Entry(() -> due.add("a"));
    DeadlineQueue.Entry b = new DeadlineQueue.Entry(() -> due.add("b"));
    DeadlineQueue.Entry c = new DeadlineQueue.Entry(() -> due.add("c"));
    on(() -> {
      q.add(a);
      q.add(b);
      q.add(c);
      b.remove();
    });
    Await.until(Duration.ofSeconds(5), () -> due.size() == 2, () -> "due: " + due);
    assertEquals(List.of("a", "c"), due);
  }

  @Test
  void addingAgainMovesTheDeadlineLater() throws Exception {
    List<Long> dueAt = new CopyOnWriteArrayList<>();
    DeadlineQueue q = new DeadlineQueue(loop, TimeUnit.MILLISECONDS.toNanos(300));
    DeadlineQueue.Entry e = new DeadlineQueue.Entry(() -> dueAt.add(System.nanoTime()));
    long[] lastAdded = new long[1];
    on(() -> q.add(e));
    for (int i = 0; i < 4; i++) { // every 150 ms, well inside the 300 ms: never due meanwhile
      loop.schedule(() -> { }, 150, TimeUnit.MILLISECONDS).get(5, TimeUnit.SECONDS);
      on(() -> {
        lastAdded[0] = System.nanoTime();
        q.add(e);
      });
    }
    assertTrue(dueAt.isEmpty(), "due while it was being moved on");
    Await.until(Duration.ofSeconds(5), () -> !dueAt.isEmpty(), "never due");
    assertTrue(dueAt.get(0) - lastAdded[0] >= TimeUnit.MILLISECONDS.toNanos(300), "due before its time");
  }

  @Test
  void anEntryMovesBetweenQueuesAndIsDueOnlyInTheLastOne() throws Exception {
    List<String> due = new CopyOnWriteArrayList<>();
    List<DeadlineQueue> queues = new ArrayList<>();
    DeadlineQueue shortOne = DeadlineQueue.of(queues, loop, TimeUnit.MILLISECONDS.toNanos(100));
    DeadlineQueue longOne = DeadlineQueue.of(queues, loop, TimeUnit.MILLISECONDS.toNanos(400));
    assertTrue(shortOne == DeadlineQueue.of(queues, loop, TimeUnit.MILLISECONDS.toNanos(100)), "not reused");
    DeadlineQueue.Entry e = new DeadlineQueue.Entry(() -> due.add("e"));
    long t0 = System.nanoTime();
    on(() -> {
      shortOne.add(e);
      longOne.add(e); // out of the short queue
    });
    Await.until(Duration.ofSeconds(5), () -> !due.isEmpty(), "never due");
    assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(400), "due on the short queue's time");
    assertEquals(List.of("e"), due);
  }
}
