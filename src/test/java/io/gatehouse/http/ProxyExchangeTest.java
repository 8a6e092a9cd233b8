package io.gatehouse.http;

import static io.gatehouse.http.ExchangePhase.ANSWERED_LOCALLY;
import static io.gatehouse.http.ExchangePhase.AWAITING_CONTINUE;
import static io.gatehouse.http.ExchangePhase.AWAITING_HEAD;
import static io.gatehouse.http.ExchangePhase.CHOOSING;
import static io.gatehouse.http.ExchangePhase.CONNECTING;
import static io.gatehouse.http.ExchangePhase.DONE;
import static io.gatehouse.http.ExchangePhase.ENDING;
import static io.gatehouse.http.ExchangePhase.RELAYING_RESPONSE;
import static io.gatehouse.http.ExchangePhase.SENDING_BODY;
import static io.gatehouse.http.ExchangePhase.TUNNEL;
import static io.gatehouse.http.ExchangeRig.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gatehouse.testkit.TestPorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Exchanges driven through real sockets (a client, the rig's listener, members), each checked by the phases it
 * went through, what the client got and what the access log says, and that no illegal move was made.
 */
@ExtendWith(VertxExtension.class)
class ProxyExchangeTest {

  private ExchangeRig rig;
  private long illegalBefore;
  private long illegalProvoked;
  // held for the whole test: Vert.x closes a client that is no longer referenced once it is collected
  private HttpClient http;
  private NetClient raw;
  private WebSocketClient ws;

  @BeforeEach
  void clientsAndIllegalMoveCount(Vertx vertx) {
    illegalBefore = ExchangeStateMachine.illegalMoves();
    http = vertx.createHttpClient();
    raw = vertx.createNetClient();
    ws = vertx.createWebSocketClient();
  }

  @AfterEach
  void noIllegalMove() {
    if (rig != null) {
      rig.close();
    }
    assertEquals(illegalProvoked, ExchangeStateMachine.illegalMoves() - illegalBefore, "illegal exchange moves");
  }

  private static Future<HttpServer> member(Vertx vertx, Consumer<HttpServerRequest> handler) {
    return vertx.createHttpServer().requestHandler(handler::accept).listen(0, "127.0.0.1");
  }

  private Future<ExchangeRig> rig(Vertx vertx, String listenerExtra, String poolExtra, int... ports) {
    return ExchangeRig.start(vertx, listenerExtra, poolExtra, members(ports)).onSuccess(r -> rig = r);
  }

  private static RequestOptions to(ExchangeRig rig, HttpMethod method, String path) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(rig.port()).setURI(path);
  }

  /** Checks the exchange that ends next: its phases, status and end; flags {@code done}. */
  private void expect(VertxTestContext test, Checkpoint done, List<ExchangePhase> path, String status, String end,
      Consumer<ExchangeRig.Ended> more) {
    rig.ended().onComplete(test.succeeding(e -> test.verify(() -> {
      assertEquals(path, e.path(), e.line());
      assertEquals(status, e.field("status"), e.line());
      assertEquals(end, e.field("end"), e.line());
      more.accept(e);
      done.flag();
    })));
  }

  private static final List<ExchangePhase> ANSWERED = List.of(CHOOSING, CONNECTING, AWAITING_HEAD,
      RELAYING_RESPONSE, ENDING, DONE);

  @Test
  void aMemberThatAnswersTakesTheExchangeThroughEachPhaseToDone(Vertx vertx, VertxTestContext test) {
    Checkpoint served = test.checkpoint();
    Checkpoint answered = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    member(vertx, req -> {
      served.flag();
      req.response().putHeader("X-Member", "a").end("hello");
    }).compose(m -> rig(vertx, "", "", m.actualPort()).onSuccess(r -> {
      expect(test, ended, ANSWERED, "200", "ok", e -> {
        assertEquals("127.0.0.1:" + m.actualPort(), e.field("member"));
        assertEquals("-", e.field("sticky"));
        assertEquals(0, r.member(m.actualPort()).active(), "the member is released");
      });
    })).compose(r -> http.request(to(r, HttpMethod.GET, "/hi")))
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + resp.getHeader("X-Member") + " " + b))
        .onComplete(test.succeeding(got -> test.verify(() -> {
          assertEquals("200 a hello", got);
          answered.flag();
        })));
  }

  @Test
  void aBodyIsSentThenTheHeadAwaited(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    member(vertx, req -> req.body().onSuccess(b -> req.response().end("got " + b)))
        .compose(m -> rig(vertx, "", "", m.actualPort()))
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, SENDING_BODY, AWAITING_HEAD,
            RELAYING_RESPONSE, ENDING, DONE), "200", "ok", e -> { }))
        .compose(r -> http.request(to(r, HttpMethod.POST, "/up")))
        .compose(req -> req.send("a body"))
        .compose(HttpClientResponse::body)
        .onComplete(test.succeeding(b -> test.verify(() -> {
          assertEquals("got a body", b.toString());
          answered.flag();
        })));
  }

  @Test
  void expectContinueWaitsForTheMembersContinueBeforeTheBody(Vertx vertx, VertxTestContext test) {
    Checkpoint continued = test.checkpoint();
    Checkpoint answered = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    member(vertx, req -> {
      req.response().writeContinue();
      req.body().onSuccess(b -> req.response().end("got " + b));
    }).compose(m -> rig(vertx, "", "", m.actualPort()))
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, AWAITING_CONTINUE, SENDING_BODY,
            AWAITING_HEAD, RELAYING_RESPONSE, ENDING, DONE), "200", "ok", e -> { }))
        .compose(r -> http.request(to(r, HttpMethod.PUT, "/up").putHeader("Expect", "100-continue")
            .putHeader("Content-Length", "5")))
        .compose(req -> {
          req.continueHandler(v -> {
            continued.flag();
            req.end("hello");
          });
          return req.sendHead().compose(v -> req.response());
        })
        .compose(HttpClientResponse::body)
        .onComplete(test.succeeding(b -> test.verify(() -> {
          assertEquals("got hello", b.toString());
          answered.flag();
        })));
  }

  @Test
  void aSilentMemberIs504AtMemberTimeoutAndCountsAsItsFailure(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    AtomicInteger port = new AtomicInteger();
    member(vertx, req -> { }) // never answers
        .compose(m -> {
          port.set(m.actualPort());
          return rig(vertx, ",\"member_timeout\":0.3", "", m.actualPort());
        })
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, AWAITING_HEAD, ANSWERED_LOCALLY, DONE),
            "504", "member_timeout", e -> {
              assertEquals(1, r.member(port.get()).failures());
              assertEquals(0, r.member(port.get()).active());
            }))
        .compose(r -> http.request(to(r, HttpMethod.GET, "/")))
        .compose(HttpClientRequest::send)
        .onComplete(test.succeeding(resp -> test.verify(() -> {
          assertEquals(504, resp.statusCode());
          answered.flag();
        })));
  }

  @Test
  void aClientGoneWhileConnectingEndsTheExchangeWithoutBlamingTheMember(Vertx vertx, VertxTestContext test) {
    // an HTTPS member that accepts TCP and never answers the TLS handshake keeps the exchange CONNECTING
    Checkpoint leftWhileConnecting = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    AtomicReference<NetSocket> client = new AtomicReference<>();
    NetServer silent = vertx.createNetServer().connectHandler(memberSide -> {
      // the exchange reached the member: the client leaves; once the rig has seen it, the member side closes,
      // which fails the handshake and so ends the attempt
      rig.clientConnectionClosed().compose(v -> rig.onLoop(() -> rig.last().phase()))
          .onComplete(test.succeeding(phase -> test.verify(() -> {
            assertEquals(CONNECTING, phase, "the client left while the exchange was connecting");
            leftWhileConnecting.flag();
            memberSide.close();
          })));
      client.get().close();
    });
    silent.listen(0, "127.0.0.1")
        .compose(s -> ExchangeRig.start(vertx, "HTTPS", "", "", members(s.actualPort())).onSuccess(r -> rig = r))
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, CHOOSING, DONE), "-", "client_closed",
            e -> {
              assertEquals(0, r.member(silent.actualPort()).failures(), "the client left: no fault of the member's");
              assertEquals(0, r.member(silent.actualPort()).active());
            }))
        .compose(r -> raw.connect(r.port(), "127.0.0.1"))
        .onComplete(test.succeeding(c -> {
          client.set(c);
          c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        }));
  }

  @Test
  void aClientGoneWhileTheHeadIsAwaitedAbortsTheMemberConnection(Vertx vertx, VertxTestContext test) {
    Checkpoint memberSawClose = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    AtomicReference<NetSocket> client = new AtomicReference<>();
    member(vertx, req -> {
      req.connection().closeHandler(v -> memberSawClose.flag());
      client.get().close(); // the member has the request: the client leaves before any answer
    }).compose(m -> rig(vertx, "", "", m.actualPort()))
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, AWAITING_HEAD, DONE), "-",
            "client_closed", e -> { }))
        .compose(r -> raw.connect(r.port(), "127.0.0.1"))
        .onComplete(test.succeeding(c -> {
          client.set(c);
          c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        }));
  }

  @Test
  void aClientGoneMidBodyEndsTheExchangeAndTheHalfSentRequest(Vertx vertx, VertxTestContext test) {
    Checkpoint memberSawClose = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    AtomicReference<NetSocket> client = new AtomicReference<>();
    member(vertx, req -> {
      // a member must not take a cut body for a whole one: its connection closes
      req.connection().closeHandler(v -> memberSawClose.flag());
      req.handler(b -> client.get().close()); // the first piece arrived: the client leaves mid-body
    }).compose(m -> rig(vertx, "", "", m.actualPort()))
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, SENDING_BODY, DONE), "-", "client_closed",
            e -> { }))
        .compose(r -> raw.connect(r.port(), "127.0.0.1"))
        .onComplete(test.succeeding(c -> {
          client.set(c);
          c.write("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
        }));
  }

  @Test
  void aRefusedMemberIsReplacedOnceByAnotherAndTheCookieFollows(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    int dead = TestPorts.free(); // nothing listens there: the connection is refused
    AtomicInteger live = new AtomicInteger();
    member(vertx, req -> req.response().end("live"))
        .compose(m -> {
          live.set(m.actualPort());
          return rig(vertx, "", ",\"session_persistence\":{\"type\":\"HTTP_COOKIE\"}", dead, m.actualPort());
        })
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, CHOOSING, CONNECTING, AWAITING_HEAD,
            RELAYING_RESPONSE, ENDING, DONE), "200", "ok", e -> {
              assertEquals("replaced", e.field("sticky"), "the cookie's member failed and another took it");
              assertEquals("127.0.0.1:" + live.get(), e.field("member"));
              assertEquals(1, r.member(dead).failures());
              assertEquals(0, r.member(dead).active());
              assertEquals(0, r.member(live.get()).active());
            }))
        .compose(r -> http.request(to(r, HttpMethod.GET, "/").putHeader("Cookie",
            MemberChoice.STICKY_COOKIE + "=" + r.cookies.issue("p", "127.0.0.1:" + dead,
                System.currentTimeMillis() + 60_000))))
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body().map(b -> {
          String cookie = resp.getHeader("Set-Cookie");
          String value = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
          return b + " " + rig.cookies.verify("p", value, System.currentTimeMillis());
        }))
        .onComplete(test.succeeding(got -> test.verify(() -> {
          assertEquals("live 127.0.0.1:" + live.get(), got, "the new cookie names the member that answered");
          answered.flag();
        })));
  }

  /**
   * A member speaking HTTP/1.1 by hand: it answers the first request of each connection (keep-alive) and closes
   * the connection at the next one without answering: the race a pooled connection loses to a member's idle
   * timeout. Counts request heads.
   */
  private static Future<NetServer> closingAtReuse(Vertx vertx, AtomicInteger heads) {
    return vertx.createNetServer().connectHandler(so -> {
      StringBuilder got = new StringBuilder();
      int[] answered = {0};
      so.handler(b -> {
        got.append(b.toString(StandardCharsets.ISO_8859_1));
        for (int end; (end = got.indexOf("\r\n\r\n")) >= 0; ) {
          got.delete(0, end + 4);
          heads.incrementAndGet();
          if (answered[0]++ > 0) {
            so.close();
            return;
          }
          so.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
      });
    }).listen(0, "127.0.0.1");
  }

  @Test
  void aPooledConnectionDroppedAtReuseIsRetriedOnAFreshOneWithoutBlame(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint(2);
    Checkpoint ended = test.checkpoint(2);
    AtomicInteger heads = new AtomicInteger();
    AtomicInteger port = new AtomicInteger();
    closingAtReuse(vertx, heads)
        .compose(m -> {
          port.set(m.actualPort());
          return rig(vertx, "", "", m.actualPort());
        })
        .onSuccess(r -> expect(test, ended, ANSWERED, "200", "ok", e -> { }))
        .compose(r -> http.request(to(r, HttpMethod.GET, "/1")))
        .compose(HttpClientRequest::send)
        .compose(HttpClientResponse::body)
        .compose(b -> {
          answered.flag();
          // the gateway's connection to the member is pooled now: the next request reuses it and meets the close
          expect(test, ended, List.of(CHOOSING, CONNECTING, AWAITING_HEAD, CHOOSING, CONNECTING, AWAITING_HEAD,
              RELAYING_RESPONSE, ENDING, DONE), "200", "ok", e -> {
                assertEquals(3, heads.get(), "once on the pooled connection, once on a fresh one");
                assertEquals(0, rig.member(port.get()).failures(), "a connection dropped at reuse is no failure");
                assertEquals(0, rig.member(port.get()).active());
              });
          return http.request(to(rig, HttpMethod.GET, "/2"));
        })
        .compose(HttpClientRequest::send)
        .onComplete(test.succeeding(resp -> test.verify(() -> {
          assertEquals(200, resp.statusCode());
          answered.flag();
        })));
  }

  @Test
  void aBodyOverTheLimitMidStreamIs413(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    member(vertx, req -> req.body().onSuccess(b -> req.response().end("read " + b.length())))
        .compose(m -> rig(vertx, ",\"max_body_size\":10", "", m.actualPort()))
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, SENDING_BODY, ANSWERED_LOCALLY, DONE),
            "413", "body_too_large", e -> { }))
        .compose(r -> http.request(to(r, HttpMethod.POST, "/up")))
        .compose(req -> req.setChunked(true).send(Buffer.buffer("x".repeat(100))))
        .onComplete(test.succeeding(resp -> test.verify(() -> {
          assertEquals(413, resp.statusCode());
          answered.flag();
        })));
  }

  @Test
  void aRedirectAndNoUsableMemberAreAnsweredLocally(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint(2);
    Checkpoint ended = test.checkpoint(2);
    rig(vertx, "", "", TestPorts.free()).onSuccess(r -> {
      r.route = req -> req.path().equals("/old") ? new RouteDecision.Redirect("moved", 301, "https://example.com/")
          : new RouteDecision.ToPool(null, "nowhere");
      expect(test, ended, List.of(CHOOSING, ANSWERED_LOCALLY, DONE), "301", "redirect",
          e -> assertEquals("moved", e.field("policy")));
    }).compose(r -> http.request(to(r, HttpMethod.GET, "/old")))
        .compose(HttpClientRequest::send)
        .compose(resp -> {
          test.verify(() -> assertEquals("https://example.com/", resp.getHeader("Location")));
          answered.flag();
          expect(test, ended, List.of(CHOOSING, ANSWERED_LOCALLY, DONE), "503", "no_usable_member", e -> { });
          return http.request(to(rig, HttpMethod.GET, "/new")).compose(HttpClientRequest::send);
        })
        .onComplete(test.succeeding(resp -> test.verify(() -> {
          assertEquals(503, resp.statusCode());
          answered.flag();
        })));
  }

  @Test
  void anAcceptedUpgradeTunnelsUntilEitherSideCloses(Vertx vertx, VertxTestContext test) {
    Checkpoint echoed = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    vertx.createHttpServer().webSocketHandler(echo -> echo.handler(echo::write)).listen(0, "127.0.0.1")
        .compose(m -> rig(vertx, "", "", m.actualPort()))
        .onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, AWAITING_HEAD, TUNNEL, DONE), "101",
            "tunnel_closed", e -> { }))
        .compose(r -> ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
            .setPort(r.port()).setURI("/ws")))
        .onComplete(test.succeeding(socket -> {
          socket.handler(b -> test.verify(() -> {
            assertEquals("ping", b.toString());
            echoed.flag();
            socket.close();
          }));
          socket.writeTextMessage("ping");
        }));
  }

  @Test
  void anIllegalMoveFailsLoudlyYetEndsTheExchangeWithA500(Vertx vertx, VertxTestContext test) {
    Checkpoint refused = test.checkpoint();
    Checkpoint answered = test.checkpoint();
    Checkpoint ended = test.checkpoint();
    illegalProvoked = 1;
    AtomicInteger port = new AtomicInteger();
    member(vertx, req -> rig.onLoop(() -> {
      ProxyExchange x = rig.last();
      assertEquals(AWAITING_HEAD, x.phase());
      // a bug's move: with assertions on (tests), it throws after ending the exchange
      assertThrows(AssertionError.class, () -> x.move(ENDING));
      return x.phase();
    }).onComplete(test.succeeding(phase -> test.verify(() -> {
      assertEquals(DONE, phase);
      refused.flag();
    })))).compose(m -> {
      port.set(m.actualPort());
      return rig(vertx, "", "", m.actualPort());
    }).onSuccess(r -> expect(test, ended, List.of(CHOOSING, CONNECTING, AWAITING_HEAD, DONE), "500",
        "internal_error", e -> assertEquals(0, r.member(port.get()).active(), "the member is released")))
        .compose(r -> http.request(to(r, HttpMethod.GET, "/")))
        .compose(HttpClientRequest::send)
        .onComplete(test.succeeding(resp -> test.verify(() -> {
          assertEquals(500, resp.statusCode(), "the client is answered, not left hanging");
          answered.flag();
        })));
  }
}
