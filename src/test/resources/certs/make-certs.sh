#!/bin/sh
# Regenerates the TLS test fixtures (run once; the output is committed). Validity ~100 years.
set -eu
cd "$(dirname "$0")"
DAYS=36500

ca() { # name subject
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days $DAYS -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

leaf() { # name keyopts subject san extKeyUsage issuer
  openssl req -new -newkey "$2" -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=%s\n%s\n' "$5" "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$6.crt" -CAkey "$6.key" -CAcreateserial -days $DAYS -sha256 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

dated() { # name startdate enddate: a localhost/127.0.0.1 server certificate of the test CA valid only then
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=localhost" 2>/dev/null
  d=$(mktemp -d)
  : > "$d/index"
  printf '[ca]\ndefault_ca=c\n[c]\ndatabase=%s/index\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n[x]\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' "$d" "$d" "$d" > "$d/cnf"
  echo 1000 > "$d/serial"
  openssl ca -batch -config "$d/cnf" -extensions x -cert ca.crt -keyfile ca.key -in "$1.csr" -out "$1.crt" \
    -startdate "$2" -enddate "$3" -notext 2>/dev/null
  rm -rf "$d" "$1.csr"
}

ca ca "Gatehouse Test CA"
ca other-ca "Other Test CA"
leaf server-rsa rsa:2048 localhost "subjectAltName=DNS:localhost,IP:127.0.0.1" serverAuth ca
openssl ecparam -name prime256v1 -out p256.pem
leaf server-ec ec:p256.pem localhost "subjectAltName=DNS:localhost" serverAuth ca
leaf api rsa:2048 api.example.test "subjectAltName=DNS:api.example.test" serverAuth ca
leaf wildcard rsa:2048 "*.example.test" "subjectAltName=DNS:*.example.test" serverAuth ca
leaf other-server rsa:2048 localhost "subjectAltName=DNS:localhost,IP:127.0.0.1" serverAuth other-ca
leaf client rsa:2048 "test client" "" clientAuth ca
leaf other-client rsa:2048 "other client" "" clientAuth other-ca
# Outside their validity: member certificates for the member TLS failure reasons.
dated expired-server 20200101000000Z 20210101000000Z
dated future-server 21200101000000Z 21210101000000Z
# Issued by a leaf (server-rsa, CA:FALSE): a ca_certificate holding that leaf must not trust it.
leaf by-leaf rsa:2048 localhost "subjectAltName=DNS:localhost,IP:127.0.0.1" serverAuth server-rsa
cat by-leaf.crt server-rsa.crt > by-leaf-chain.crt
openssl genrsa -out stray.key 2048 2>/dev/null
# The same RSA key in PKCS#1 and the EC key in SEC1, for the key parser.
openssl rsa -in server-rsa.key -traditional -out server-rsa-pkcs1.key 2>/dev/null
openssl ec -in server-ec.key -out server-ec-sec1.key 2>/dev/null
# Full chain (leaf + CA) in one file.
cat server-rsa.crt ca.crt > server-rsa-chain.crt
rm -f p256.pem ./*.srl
