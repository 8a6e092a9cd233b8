package io.gatehouse.pem;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates (X.509) and private keys: PKCS#8, PKCS#1 RSA and SEC1 EC. The two legacy key forms are
 * wrapped into PKCS#8 by hand, as the JDK's key factories only take PKCS#8.
 */
public final class Pem {
  private Pem() {}

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final byte[] RSA_ALGORITHM = der(0x30, concat(
      der(0x06, new byte[] {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01}),
      new byte[] {0x05, 0x00}));
  private static final byte[] EC_PUBLIC_KEY_OID =
      der(0x06, new byte[] {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01});
  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

  /** Every certificate of a PEM file, in file order (leaf first in a chain). */
  public static List<X509Certificate> certificates(byte[] pem) throws BadPem {
    List<X509Certificate> certs = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(pem)) {
        if (block.type.equals("CERTIFICATE")) {
          certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der)));
        }
      }
    } catch (CertificateException e) {
      throw new BadPem("unparseable certificate");
    }
    if (certs.isEmpty()) {
      throw new BadPem("no certificate in file");
    }
    return List.copyOf(certs);
  }

  /** The first private key of a PEM file. */
  public static PrivateKey privateKey(byte[] pem) throws BadPem {
    for (Block block : blocks(pem)) {
      switch (block.type) {
        case "PRIVATE KEY":
          return pkcs8(block.der);
        case "RSA PRIVATE KEY":
          return pkcs8(der(0x30, concat(VERSION_0, RSA_ALGORITHM, der(0x04, block.der))));
        case "EC PRIVATE KEY":
          byte[] algorithm = der(0x30, concat(EC_PUBLIC_KEY_OID, sec1Curve(block.der)));
          return pkcs8(der(0x30, concat(VERSION_0, algorithm, der(0x04, block.der))));
        case "ENCRYPTED PRIVATE KEY":
          throw new BadPem("encrypted private keys are not supported");
        default:
          break;
      }
    }
    throw new BadPem("no private key in file");
  }

  private static PrivateKey pkcs8(byte[] der) throws BadPem {
    for (String algorithm : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    throw new BadPem("unparseable or unsupported private key (RSA and EC only)");
  }

  /** The named-curve OID (a whole DER element) from SEC1's {@code [0] parameters}. */
  private static byte[] sec1Curve(byte[] sec1) throws BadPem {
    try {
      int[] outer = header(sec1, 0);
      int pos = outer[0];
      while (pos < sec1.length) {
        int tag = sec1[pos] & 0xff;
        int[] h = header(sec1, pos);
        if (tag == 0xa0) {
          int[] oid = header(sec1, h[0]);
          return java.util.Arrays.copyOfRange(sec1, h[0], oid[0] + oid[1]);
        }
        pos = h[0] + h[1];
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new BadPem("unparseable EC private key");
    }
    throw new BadPem("EC private key names no curve");
  }

  /** {content offset, content length} of the DER element at {@code pos}. */
  private static int[] header(byte[] der, int pos) {
    int len = der[pos + 1] & 0xff;
    int start = pos + 2;
    if (len > 0x80) {
      int bytes = len - 0x80;
      len = 0;
      for (int i = 0; i < bytes; i++) {
        len = (len << 8) | (der[start + i] & 0xff);
      }
      start += bytes;
    }
    return new int[] {start, len};
  }

  private static byte[] der(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int len = content.length;
    if (len < 0x80) {
      out.write(len);
    } else {
      int bytes = len > 0xffff ? 3 : len > 0xff ? 2 : 1;
      out.write(0x80 + bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(len >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private record Block(String type, byte[] der) {}

  private static List<Block> blocks(byte[] pem) throws BadPem {
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
    while (m.find()) {
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new BadPem("bad base64 in " + m.group(1));
      }
    }
    return blocks;
  }
}
