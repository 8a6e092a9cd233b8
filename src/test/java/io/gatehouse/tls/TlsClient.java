package io.gatehouse.tls;

import io.gatehouse.pem.CertKey;
import io.gatehouse.pem.Pem;
import io.gatehouse.testkit.TestCerts;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A blocking JDK TLS client for the tests: chosen protocols, suites, SNI name and client certificate.
 */
record TlsClient(List<String> protocols, List<String> suites, String sni, Path clientCert, Path clientKey) {

  static {
    LegacyProtocols.enable();
  }

  static TlsClient of(String... protocols) {
    return new TlsClient(List.of(protocols), null, null, null, null);
  }

  TlsClient suites(String... names) {
    return new TlsClient(protocols, List.of(names), sni, clientCert, clientKey);
  }

  TlsClient sni(String name) {
    return new TlsClient(protocols, suites, name, clientCert, clientKey);
  }

  TlsClient clientCert(Path cert, Path key) {
    return new TlsClient(protocols, suites, sni, cert, key);
  }

  /** What a finished handshake gave. */
  record Result(String protocol, String suite, X509Certificate serverCert) {}

  /** Handshakes, checks one echo round trip, closes; throws when the server refuses. */
  Result handshake(int port) throws Exception {
    try (SSLSocket socket = open(port)) {
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write('x');
      out.flush();
      InputStream in = socket.getInputStream();
      int echoed = in.read();
      if (echoed != 'x') {
        throw new javax.net.ssl.SSLException("no echo after handshake: " + echoed);
      }
      return new Result(socket.getSession().getProtocol(), socket.getSession().getCipherSuite(),
          (X509Certificate) socket.getSession().getPeerCertificates()[0]);
    }
  }

  SSLSocket open(int port) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", Pem.certificates(Files.readAllBytes(TestCerts.CA_CERT)).get(0));
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (clientCert != null) {
      CertKey pair = CertKey.parse(Files.readAllBytes(clientCert), Files.readAllBytes(clientKey));
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", pair.key(), "pw".toCharArray(), pair.chain().toArray(new X509Certificate[0]));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, "pw".toCharArray());
    }
    context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(5_000);
    SSLParameters params = socket.getSSLParameters();
    params.setProtocols(protocols.toArray(new String[0]));
    if (suites != null) {
      params.setCipherSuites(suites.toArray(new String[0]));
    }
    // no endpoint identification: SNI names here are not the address dialled
    params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    socket.setSSLParameters(params);
    return socket;
  }
}
