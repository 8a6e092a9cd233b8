package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.parse;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code rewrite}, {@code request_headers} and {@code response_headers} of listeners and L7 policies. */
class RewriteConfigTest {
  private static final String WEB = "listeners[0]";
  private static final String POLICY = "listeners[0].l7_policies[0]";

  @Test
  void theIssuesExampleIsReadOnAListenerAndAPolicy() {
    String rewrite = "{'path':{'regex':'^/api/(.*)$','replacement':'/v2/$1'},'host':'internal.example',"
        + "'query':{'regex':'^$','replacement':'from=gw'}}";
    String req = "{'set':{'X-Env':' canary\\t'},'add':{'X-Via':'gw ${listener} for ${client_ip}'},'remove':['X-Debug']}";
    String resp = "{'set':{'Strict-Transport-Security':'max-age=31536000'},'remove':['Server']}";
    JsonObject doc = with(with(with(base(), WEB + ".rewrite", rewrite), WEB + ".request_headers", req),
        WEB + ".response_headers", resp);
    with(doc, POLICY + ".rewrite", "{'path':{'prefix':'/api/','replacement':'/'}}");
    ConfigResult r = parse(doc);
    assertEquals(List.of(), r.errorLines());
    assertEquals(List.of(), r.warnings());
    HttpEdits web = r.config().listeners().get(0).edits();
    assertEquals("^/api/(.*)$", web.rewrite().path().regex().pattern());
    assertEquals("/v2/$1", web.rewrite().path().replacement());
    assertEquals("internal.example", web.rewrite().host());
    assertEquals("from=gw", web.rewrite().query().replacement());
    assertEquals(List.of("X-Debug"), web.requestHeaders().remove());
    HeaderValue via = web.requestHeaders().add().get(0).value();
    assertEquals(List.of(new HeaderValue.Part("gw ", null), new HeaderValue.Part(null, HeaderValue.Variable.LISTENER),
        new HeaderValue.Part(" for ", null), new HeaderValue.Part(null, HeaderValue.Variable.CLIENT_IP)), via.parts());
    assertNull(via.constant());
    assertEquals("canary", web.requestHeaders().set().get(0).value().constant());
    assertEquals(List.of("Server"), web.responseHeaders().remove());
    HttpEdits policy = r.config().listeners().get(0).l7Policies().get(0).edits();
    assertEquals(TextRewrite.prefix("/api/", "/"), policy.rewrite().path());
    assertEquals(HeaderActions.NONE, policy.requestHeaders());

    // an unchanged rewrite is an unchanged listener: the compiled expression compares by its text
    assertEquals(r.config().listeners().get(0), parse(doc).config().listeners().get(0));
  }

  @Test
  void aPolicysActionsReplaceTheListenersForTheHeadersTheyName() {
    HeaderValue canary = new HeaderValue(List.of(new HeaderValue.Part("canary", null)));
    HeaderValue prod = new HeaderValue(List.of(new HeaderValue.Part("prod", null)));
    HeaderActions listener = new HeaderActions(List.of("X-Debug"),
        List.of(new HeaderActions.Header("X-Env", prod), new HeaderActions.Header("X-Team", prod)),
        List.of(new HeaderActions.Header("X-Via", prod)));
    HeaderActions policy = new HeaderActions(List.of("x-via"), List.of(new HeaderActions.Header("x-env", canary)),
        List.of());
    assertEquals(new HeaderActions(List.of("X-Debug", "x-via"),
        List.of(new HeaderActions.Header("X-Team", prod), new HeaderActions.Header("x-env", canary)), List.of()),
        policy.over(listener));
    Rewrite host = new Rewrite(null, "h", null);
    Rewrite path = new Rewrite(TextRewrite.prefix("/a/", "/b/"), null, null);
    assertEquals(new Rewrite(TextRewrite.prefix("/a/", "/b/"), "h", null), path.over(host));
  }

  @Test
  void onAnActionThatAnswersItselfTheyAreAWarning() {
    JsonObject doc = with(base(), POLICY + ".action", "'FIXED_RESPONSE'");
    with(doc, POLICY + ".redirect_pool", TestDocuments.REMOVE);
    with(doc, POLICY + ".response_headers", "{'set':{'X-A':'b'}}");
    ConfigResult r = parse(doc);
    assertEquals(List.of(), r.errorLines());
    assertTrue(r.warnings().toString().contains("$.listeners[0].l7_policies[0].response_headers: only"
        + " REDIRECT_TO_POOL passes requests on, ignored"), r.warnings().toString());
  }

  static Stream<Arguments> errors() {
    String rw = WEB + ".rewrite";
    String rq = WEB + ".request_headers";
    String at = "$.listeners[0].request_headers.set";
    return Stream.of(
        error(with(base(), rw, "{'path':{'regex':'^/api/(.*','replacement':'/$1'}}"),
            "$.listeners[0].rewrite.path.regex: invalid regular expression (RE2 syntax): missing closing )"),
        error(with(base(), rw, "{'path':{'regex':'(a)\\\\1','replacement':'/'}}"),
            "$.listeners[0].rewrite.path.regex: invalid regular expression (RE2 syntax): invalid escape sequence"),
        error(with(base(), rw, "{'path':{'regex':'^/(a)','replacement':'/$2'}}"),
            "$.listeners[0].rewrite.path.replacement: $2 names no group: the expression has 1"),
        error(with(base(), rw, "{'path':{'regex':'^/(a)','replacement':'/${v}'}}"),
            "$.listeners[0].rewrite.path.replacement: ${v} names no group of the expression"),
        error(with(base(), rw, "{'path':{'regex':'^/(a)','replacement':'/x y'}}"),
            "$.listeners[0].rewrite.path.replacement: holds ' ', which the path may not hold"),
        error(with(base(), rw, "{'path':{'regex':'^/(a)','replacement':'/x\\r\\n'}}"),
            "$.listeners[0].rewrite.path.replacement: holds the control character U+000D, which the path may not hold"),
        error(with(base(), rw, "{'path':{'prefix':'api','replacement':'/v2/'}}"),
            "$.listeners[0].rewrite.path.prefix: must start with /"),
        error(with(base(), rw, "{'path':{'prefix':'/api/','regex':'x','replacement':'/v2/'}}"),
            "$.listeners[0].rewrite.path.prefix: give regex or prefix, not both"),
        error(with(base(), rw, "{'query':{'prefix':'a','replacement':'b'}}"),
            "$.listeners[0].rewrite.query.prefix: a query rewrite takes regex and replacement"),
        error(with(base(), rw, "{'host':'a@b'}"),
            "$.listeners[0].rewrite.host: must be a host name or address, with an optional :port"),
        error(with(base(), rw, "{}"), "$.listeners[0].rewrite.path: a rewrite needs path, host or query"),
        error(with(base(), rw, "{'host':'a','pth':{}}"), "$.listeners[0].rewrite.pth: unknown field (did you mean"
            + " path?)"),
        error(with(base(), "listeners[1].rewrite", "{'host':'a'}"),
            "$.listeners[1].rewrite: only HTTP and HTTPS listeners take rewrite"),
        error(with(base(), rq, "{'set':{'Content-Length':'1'}}"),
            at + "['Content-Length']: Content-Length cannot be set or removed: the gateway frames each hop itself"),
        error(with(base(), rq, "{'remove':['Transfer-Encoding']}"), "$.listeners[0].request_headers.remove[0]:"
            + " Transfer-Encoding cannot be set or removed: the gateway frames each hop itself"),
        error(with(base(), rq, "{'add':{'Connection':'close'}}"), "$.listeners[0].request_headers.add.Connection:"
            + " Connection cannot be set or removed: a hop-by-hop header"),
        error(with(base(), rq, "{'set':{'Keep-Alive':'1'}}"),
            at + "['Keep-Alive']: Keep-Alive cannot be set or removed: a hop-by-hop header"),
        error(with(base(), rq, "{'set':{'Upgrade':'h2c'}}"),
            at + ".Upgrade: Upgrade cannot be set or removed: a hop-by-hop header"),
        error(with(base(), rq, "{'set':{'TE':'trailers'}}"), at + ".TE: TE cannot be set or removed: a hop-by-hop header"),
        error(with(base(), rq, "{'set':{'Trailer':'x'}}"),
            at + ".Trailer: Trailer cannot be set or removed: a hop-by-hop header"),
        error(with(base(), rq, "{'set':{'Proxy-Authorization':'x'}}"),
            at + "['Proxy-Authorization']: Proxy-Authorization cannot be set or removed: a hop-by-hop header"),
        error(with(base(), rq, "{'set':{'Host':'x'}}"), at + ".Host: Host cannot be set or removed: use rewrite.host"),
        error(with(base(), rq, "{'set':{'X-Forwarded-For':'1.2.3.4'}}"), at + "['X-Forwarded-For']: X-Forwarded-For"
            + " cannot be set or removed: the listener inserts it (insert_headers)"),
        error(with(base(), rq, "{'remove':['x-forwarded-proto']}"), "$.listeners[0].request_headers.remove[0]:"
            + " x-forwarded-proto cannot be set or removed: the listener inserts it (insert_headers)"),
        error(with(base(), "listeners[0].response_headers", "{'set':{'X-Real-IP':'1'}}"),
            "$.listeners[0].response_headers.set['X-Real-IP']: X-Real-IP cannot be set or removed: the listener inserts"
                + " it (insert_headers)"),
        error(with(base(), rq, "{'set':{'X-Request-Id':'1'}}"), at + "['X-Request-Id']: X-Request-Id cannot be set or"
            + " removed: the listener inserts it (insert_headers.X-Request-Id)"),
        error(with(base(), POLICY + ".request_headers", "{'set':{'X-Forwarded-Host':'x'}}"),
            "$.listeners[0].l7_policies[0].request_headers.set['X-Forwarded-Host']: X-Forwarded-Host cannot be set or"
                + " removed: the listener inserts it (insert_headers)"),
        error(with(base(), rq, "{'set':{'X Env':'x'}}"), at + "['X Env']: not a valid header name (RFC 9110 token)"),
        error(with(base(), rq, "{'set':{'X-Env':'a\\r\\nX-Evil: 1'}}"), at + "['X-Env']: holds the control character"
            + " U+000D: a header value is visible ASCII, spaces and tabs"),
        error(with(base(), rq, "{'set':{'X-Env':'${pool}'}}"), at + "['X-Env']: unknown variable ${pool}, known:"
            + " ${client_ip}, ${request_id}, ${listener}, ${member}"),
        error(with(base(), rq, "{'set':{'X-Env':1}}"), at + "['X-Env']: must be a string"),
        error(with(base(), rq, "{'sett':{}}"), "$.listeners[0].request_headers.sett: unknown field (did you mean set?)"));
  }

  private static Arguments error(JsonObject doc, String line) {
    return Arguments.of(line, doc);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void reportsExactlyTheLine(String line, JsonObject doc) {
    ConfigResult result = parse(doc);
    assertEquals(List.of("config error: " + line), result.errorLines());
    assertNull(result.config());
  }

  @Test
  void traceparentIsTheGatewaysOnlyWhereTheListenerStartsTraces() {
    JsonObject doc = with(base(), WEB + ".insert_headers", "{'traceparent':true}");
    with(doc, WEB + ".request_headers", "{'set':{'traceparent':'00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'}}");
    assertEquals(List.of("config error: $.listeners[0].request_headers.set.traceparent: traceparent cannot be set or"
        + " removed: the listener inserts it (insert_headers.traceparent)"), parse(doc).errorLines());
    JsonObject off = with(base(), WEB + ".request_headers", "{'remove':['traceparent']}");
    assertEquals(List.of(), parse(off).errorLines());
  }

  @Test
  void xRequestIdIsTheOperatorsWhereTheListenerInsertsNone() {
    JsonObject doc = with(base(), WEB + ".insert_headers", "{'X-Request-Id':false}");
    with(doc, WEB + ".request_headers", "{'set':{'X-Request-Id':'fixed'}}");
    assertEquals(List.of(), parse(doc).errorLines());
  }
}
