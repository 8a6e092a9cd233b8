package io.gatehouse.config;

import io.gatehouse.pem.CertificateCheck;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** A listener's {@code tls} object: file paths resolved against the configuration's folder and checked. */
final class TlsParser {
  private static final String POLICY_NAMES = Arrays.stream(TlsPolicyName.values())
      .map(TlsPolicyName::configName).collect(Collectors.joining(", "));

  private final Path baseDir;

  TlsParser(Path baseDir) {
    this.baseDir = baseDir;
  }

  /**
   * {@code defaultPolicy} where {@code security_policy} is not given (QUIC: tls-1-3, its only one);
   * {@code staplingRefused}: why {@code ocsp_stapling} cannot be asked for where this object is (a listener
   * protocol without a TLS handshake of the gateway's, the admin API), or null where it can.
   */
  TlsConfig parse(ObjectReader r, TlsPolicyName defaultPolicy, String staplingRefused) {
    TlsConfig.CertPair main = pair(r);
    List<TlsConfig.CertPair> sni = new ArrayList<>();
    for (ObjectReader s : r.objects("sni_certificates")) {
      if (s != null) {
        sni.add(pair(s));
      }
    }
    TlsPolicyName policy = r.oneOf("security_policy", TlsPolicyName::fromConfigName, POLICY_NAMES,
        defaultPolicy);
    Path clientCa = r.has("client_ca") ? file(r, "client_ca") : null;
    if (clientCa != null) {
      report(r, "client_ca", CertificateCheck.caProblem(clientCa));
    }
    TlsConfig.Engine engine = r.oneOf("engine", TlsConfig.Engine::fromConfigName, "boringssl, jdk",
        TlsConfig.Engine.BORINGSSL);
    boolean stapling = r.bool("ocsp_stapling", false);
    if (stapling && staplingRefused != null) {
      r.error("ocsp_stapling", staplingRefused);
    } else if (stapling && engine == TlsConfig.Engine.JDK) {
      r.error("ocsp_stapling", "needs engine boringssl: the JDK's TLS cannot staple a response the gateway fetched");
    }
    URI responder = r.has("ocsp_responder") ? responder(r) : null;
    if (!stapling) {
      r.ignore("ocsp_responder", "ocsp_stapling is off");
    }
    return new TlsConfig(main, sni, policy, clientCa, engine, stapling, responder);
  }

  /** An absolute http URL: responders speak plain HTTP, since what they sign needs no TLS (RFC 6960, A.1). */
  private static URI responder(ObjectReader r) {
    String text = r.string("ocsp_responder");
    if (text == null) {
      return null;
    }
    try {
      URI uri = new URI(text);
      if ("http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null && uri.getRawUserInfo() == null
          && uri.getRawFragment() == null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    r.error("ocsp_responder", "must be an http:// URL with a host (like http://ocsp.example.com/), not " + text);
    return null;
  }

  private TlsConfig.CertPair pair(ObjectReader r) {
    Path cert = requiredFile(r, "certificate");
    Path key = requiredFile(r, "private_key");
    String keyProblem = key == null ? null : CertificateCheck.keyProblem(key);
    report(r, "private_key", keyProblem);
    if (cert != null && key != null && keyProblem == null) {
      report(r, "certificate", CertificateCheck.pairProblem(cert, key));
    }
    if (key != null && ConfigFiles.readableByOthers(key)) {
      r.problems().warn(r.pathOf("private_key"), "private key file " + key
          + " can be read by other users; chmod 600 it");
    }
    return new TlsConfig.CertPair(cert, key);
  }

  private Path requiredFile(ObjectReader r, String field) {
    if (!r.has(field)) {
      r.error(field, "is required");
      return null;
    }
    return file(r, field);
  }

  private Path file(ObjectReader r, String field) {
    return ConfigFiles.file(r, field, baseDir);
  }

  private static void report(ObjectReader r, String field, String problem) {
    if (problem != null) {
      r.error(field, problem);
    }
  }
}
