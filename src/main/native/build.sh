#!/usr/bin/env bash
# Builds libgatehouse_rsa.so (the OpenSSL 3 RSA signer, see gatehouse_rsa.c) into the folder given, for the jar.
# Optional by design: without a C compiler or JNI headers, or on another platform, the gateway signs with
# netty-tcnative's BoringSSL as before, and the build goes on (it says why here and in the gateway's log).
set -u
out=$1 java_home=$2
src=$(dirname "$0")/gatehouse_rsa.c
skip() { echo "[native] RSA signer not built: $1 (TLS handshakes sign with BoringSSL)"; exit 0; }
[[ $(uname -s)-$(uname -m) == Linux-x86_64 ]] || skip "not linux-x86_64"
command -v gcc >/dev/null || skip "no gcc"
inc=$java_home/include
[[ -f $inc/jni.h ]] || inc=$java_home/../include # a JRE inside a JDK
[[ -f $inc/jni.h ]] || skip "no jni.h under $java_home"
mkdir -p "$out"
gcc -O2 -Wall -Wextra -Wno-unused-parameter -shared -fPIC -I"$inc" -I"$inc/linux" -o "$out/libgatehouse_rsa.so" \
  "$src" -ldl || skip "gcc failed"
echo "[native] built $out/libgatehouse_rsa.so"
