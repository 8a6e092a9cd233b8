#!/usr/bin/env bash
# Builds libgatehouse_rsa.so (the OpenSSL 3 RSA signer, see gatehouse_rsa.c) into the folder given, for the jar.
# Optional where it cannot be built (another platform, no C compiler, no JNI headers): the gateway then signs with
# netty-tcnative's BoringSSL, and the build says why here and the gateway in its log. Where gcc and the headers are
# there, a compiler error fails the build: a jar must never lose its signer silently.
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
# hardened like a distribution's package: stack protector, fortified libc calls, read-only relocations bound at
# load, and only the JNI entry points exported
if ! gcc -O2 -Wall -Wextra -Wno-unused-parameter -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
    -fvisibility=hidden -shared -fPIC -Wl,-z,relro,-z,now -Wl,-z,noexecstack -I"$inc" -I"$inc/linux" \
    -o "$out/libgatehouse_rsa.so" "$src" -ldl; then
  echo "[native] RSA signer: gcc failed on $src" >&2
  exit 1
fi
echo "[native] built $out/libgatehouse_rsa.so"
