package io.gatehouse.tls;

import io.gatehouse.pem.BadPem;
import io.gatehouse.pem.CertKey;
import io.gatehouse.pem.Pem;
import io.gatehouse.config.TlsConfig;
import io.gatehouse.config.TlsConfig.CertPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed contents of a listener's certificate files: the main pair, the SNI pairs (config order) and the
 * client CA certificates (empty without mutual TLS). Built from bytes already read, so what is checked is
 * exactly what gets served.
 */
record TlsFiles(CertKey main, List<CertKey> sni, List<X509Certificate> clientCa) {

  TlsFiles {
    sni = List.copyOf(sni);
    clientCa = List.copyOf(clientCa);
  }

  /** Every file the configuration names, each once. */
  static Set<Path> paths(TlsConfig tls) {
    Set<Path> paths = new LinkedHashSet<>();
    paths.add(tls.main().certificate());
    paths.add(tls.main().privateKey());
    for (CertPair pair : tls.sniCertificates()) {
      paths.add(pair.certificate());
      paths.add(pair.privateKey());
    }
    if (tls.clientCa() != null) {
      paths.add(tls.clientCa());
    }
    return paths;
  }

  /** Reads the files (blocking: start-up or a worker thread) and parses them. */
  static TlsFiles read(TlsConfig tls) throws BadPem {
    Map<Path, byte[]> contents = new java.util.HashMap<>();
    for (Path path : paths(tls)) {
      try {
        contents.put(path, Files.readAllBytes(path));
      } catch (IOException e) {
        throw new BadPem("cannot read " + path + ": " + e.getMessage());
      }
    }
    return parse(tls, contents);
  }

  /** Parses files whose bytes were read already; the message of a failure names the file. */
  static TlsFiles parse(TlsConfig tls, Map<Path, byte[]> contents) throws BadPem {
    CertKey main = pair(tls.main(), contents);
    List<CertKey> sni = new ArrayList<>();
    for (CertPair pair : tls.sniCertificates()) {
      sni.add(pair(pair, contents));
    }
    List<X509Certificate> ca = List.of();
    if (tls.clientCa() != null) {
      try {
        ca = Pem.certificates(contents.get(tls.clientCa()));
      } catch (BadPem e) {
        throw new BadPem(tls.clientCa() + ": " + e.getMessage());
      }
    }
    return new TlsFiles(main, sni, ca);
  }

  private static CertKey pair(CertPair pair, Map<Path, byte[]> contents) throws BadPem {
    try {
      return CertKey.parse(contents.get(pair.certificate()), contents.get(pair.privateKey()));
    } catch (BadPem e) {
      throw new BadPem(pair.certificate() + " / " + pair.privateKey() + ": " + e.getMessage());
    }
  }
}
