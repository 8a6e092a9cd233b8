/*
 * RSA private-key operations for TLS handshakes through the system's OpenSSL 3 libcrypto, for
 * io.gatehouse.tls.OpenSsl3Rsa. netty-tcnative's BoringSSL has no AVX-512 IFMA path for RSA, which OpenSSL 3 has:
 * a 2048-bit signature costs less than half as much where the CPU has it. libcrypto is opened at run time
 * (dlopen), so building this needs only a C compiler and the JDK's JNI headers, not OpenSSL's headers; the few
 * OpenSSL 3.0 functions used are declared here with the types of their stable ABI.
 */
#include <dlfcn.h>
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_md_st EVP_MD;
typedef struct engine_st ENGINE;

#define RSA_PKCS1_PADDING 1
#define RSA_NO_PADDING 3
#define RSA_PKCS1_PSS_PADDING 6
#define RSA_PSS_SALTLEN_DIGEST (-1)
#define EVP_PKEY_RSA 6

/* TLS SignatureScheme code points (RFC 8446 4.2.3), as BoringSSL hands them to a private key method */
#define SIG_RSA_PKCS1_SHA1 0x0201
#define SIG_RSA_PKCS1_SHA256 0x0401
#define SIG_RSA_PKCS1_SHA384 0x0501
#define SIG_RSA_PKCS1_SHA512 0x0601
#define SIG_RSA_PSS_RSAE_SHA256 0x0804
#define SIG_RSA_PSS_RSAE_SHA384 0x0805
#define SIG_RSA_PSS_RSAE_SHA512 0x0806
/* BoringSSL's own code for TLS 1.0 and 1.1: PKCS#1 v1.5 over MD5 || SHA-1, without a DigestInfo */
#define SIG_RSA_PKCS1_MD5_SHA1 0xff01

static struct {
  EVP_PKEY *(*d2i_AutoPrivateKey)(EVP_PKEY **, const unsigned char **, long);
  void (*EVP_PKEY_free)(EVP_PKEY *);
  int (*EVP_PKEY_get_base_id)(const EVP_PKEY *);
  int (*EVP_PKEY_get_size)(const EVP_PKEY *);
  EVP_MD_CTX *(*EVP_MD_CTX_new)(void);
  void (*EVP_MD_CTX_free)(EVP_MD_CTX *);
  const EVP_MD *(*EVP_md5_sha1)(void);
  const EVP_MD *(*EVP_sha1)(void);
  const EVP_MD *(*EVP_sha256)(void);
  const EVP_MD *(*EVP_sha384)(void);
  const EVP_MD *(*EVP_sha512)(void);
  int (*EVP_DigestSignInit)(EVP_MD_CTX *, EVP_PKEY_CTX **, const EVP_MD *, ENGINE *, EVP_PKEY *);
  int (*EVP_DigestSign)(EVP_MD_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
  int (*EVP_PKEY_CTX_set_rsa_padding)(EVP_PKEY_CTX *, int);
  int (*EVP_PKEY_CTX_set_rsa_pss_saltlen)(EVP_PKEY_CTX *, int);
  EVP_PKEY_CTX *(*EVP_PKEY_CTX_new)(EVP_PKEY *, ENGINE *);
  void (*EVP_PKEY_CTX_free)(EVP_PKEY_CTX *);
  int (*EVP_PKEY_decrypt_init)(EVP_PKEY_CTX *);
  int (*EVP_PKEY_decrypt)(EVP_PKEY_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
  unsigned long (*ERR_get_error)(void);
  void (*ERR_error_string_n)(unsigned long, char *, size_t);
  void (*ERR_clear_error)(void);
  unsigned long (*OpenSSL_version_num)(void);
  const char *(*OpenSSL_version)(int);
} ssl;

#define OPENSSL_VERSION_STRING 0 /* OpenSSL_version(OPENSSL_VERSION): "OpenSSL 3.0.13 30 Jan 2024" */

static const char *load_error;

/* memset through a volatile pointer: a plain memset before free() is a dead store the compiler may drop */
static void *(*const volatile wipe)(void *, int, size_t) = memset;

#define RESOLVE(lib, name)                                    \
  do {                                                        \
    *(void **)(&ssl.name) = dlsym(lib, #name);                \
    if (ssl.name == NULL) {                                   \
      load_error = "libcrypto.so.3 lacks " #name;             \
      return 0;                                               \
    }                                                         \
  } while (0)

static int resolve(void) {
  void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    load_error = "no libcrypto.so.3 (OpenSSL 3)";
    return 0;
  }
  RESOLVE(lib, d2i_AutoPrivateKey);
  RESOLVE(lib, EVP_PKEY_free);
  RESOLVE(lib, EVP_PKEY_get_base_id);
  RESOLVE(lib, EVP_PKEY_get_size);
  RESOLVE(lib, EVP_MD_CTX_new);
  RESOLVE(lib, EVP_MD_CTX_free);
  RESOLVE(lib, EVP_md5_sha1);
  RESOLVE(lib, EVP_sha1);
  RESOLVE(lib, EVP_sha256);
  RESOLVE(lib, EVP_sha384);
  RESOLVE(lib, EVP_sha512);
  RESOLVE(lib, EVP_DigestSignInit);
  RESOLVE(lib, EVP_DigestSign);
  RESOLVE(lib, EVP_PKEY_CTX_set_rsa_padding);
  RESOLVE(lib, EVP_PKEY_CTX_set_rsa_pss_saltlen);
  RESOLVE(lib, EVP_PKEY_CTX_new);
  RESOLVE(lib, EVP_PKEY_CTX_free);
  RESOLVE(lib, EVP_PKEY_decrypt_init);
  RESOLVE(lib, EVP_PKEY_decrypt);
  RESOLVE(lib, ERR_get_error);
  RESOLVE(lib, ERR_error_string_n);
  RESOLVE(lib, ERR_clear_error);
  RESOLVE(lib, OpenSSL_version_num);
  RESOLVE(lib, OpenSSL_version);
  return 1;
}

/*
 * Throws SSLException(what: OpenSSL's first error) unless an exception is already pending (JNI allows no other call
 * then), and empties OpenSSL's error queue either way: the queue is per thread, and an event loop thread would
 * otherwise carry one handshake's errors into the next.
 */
static void throw_error(JNIEnv *env, const char *what) {
  char buf[256];
  unsigned long e = ssl.ERR_get_error();
  if (e != 0) {
    char detail[200];
    ssl.ERR_error_string_n(e, detail, sizeof detail);
    snprintf(buf, sizeof buf, "%s: %s", what, detail);
  } else {
    snprintf(buf, sizeof buf, "%s", what);
  }
  ssl.ERR_clear_error();
  if ((*env)->ExceptionCheck(env)) {
    return;
  }
  jclass c = (*env)->FindClass(env, "javax/net/ssl/SSLException");
  if (c != NULL) {
    (*env)->ThrowNew(env, c, buf);
  }
}

/* a new Java byte[] holding the result, or NULL (an OutOfMemoryError is then pending) */
static jbyteArray java_bytes(JNIEnv *env, const unsigned char *bytes, size_t len) {
  jbyteArray out = (*env)->NewByteArray(env, (jsize)len);
  if (out != NULL) {
    (*env)->SetByteArrayRegion(env, out, 0, (jsize)len, (const jbyte *)bytes);
  }
  return out;
}

/* null when libcrypto is usable, else why not */
JNIEXPORT jstring JNICALL Java_io_gatehouse_tls_OpenSsl3Rsa_open(JNIEnv *env, jclass cls) {
  static int state = -1;
  if (state < 0) {
    state = resolve();
  }
  return state ? NULL : (*env)->NewStringUTF(env, load_error);
}

/* the loaded libcrypto's version number (0xMNN00PP0L), after open() succeeded */
JNIEXPORT jlong JNICALL Java_io_gatehouse_tls_OpenSsl3Rsa_versionNumber(JNIEnv *env, jclass cls) {
  return (jlong)ssl.OpenSSL_version_num();
}

/* the loaded libcrypto's version text, after open() succeeded */
JNIEXPORT jstring JNICALL Java_io_gatehouse_tls_OpenSsl3Rsa_versionText(JNIEnv *env, jclass cls) {
  const char *text = ssl.OpenSSL_version(OPENSSL_VERSION_STRING);
  return (*env)->NewStringUTF(env, text != NULL ? text : "unknown");
}

/* a PKCS#8 RSA private key (DER) into an EVP_PKEY handle; 0 if it is not an RSA key */
JNIEXPORT jlong JNICALL Java_io_gatehouse_tls_OpenSsl3Rsa_load(JNIEnv *env, jclass cls, jbyteArray der) {
  ssl.ERR_clear_error();
  jsize n = (*env)->GetArrayLength(env, der);
  jbyte *bytes = (*env)->GetByteArrayElements(env, der, NULL);
  if (bytes == NULL) {
    return 0; /* OutOfMemoryError pending */
  }
  const unsigned char *p = (const unsigned char *)bytes;
  EVP_PKEY *key = ssl.d2i_AutoPrivateKey(NULL, &p, n);
  /* JNI may have handed a copy: zero it (the Java side zeroes its own array) */
  wipe(bytes, 0, (size_t)n);
  (*env)->ReleaseByteArrayElements(env, der, bytes, JNI_ABORT);
  if (key == NULL) {
    throw_error(env, "cannot read the private key");
    return 0;
  }
  if (ssl.EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    ssl.EVP_PKEY_free(key);
    ssl.ERR_clear_error();
    return 0;
  }
  return (jlong)(intptr_t)key;
}

JNIEXPORT void JNICALL Java_io_gatehouse_tls_OpenSsl3Rsa_free(JNIEnv *env, jclass cls, jlong key) {
  if (key != 0) {
    ssl.EVP_PKEY_free((EVP_PKEY *)(intptr_t)key);
  }
}

/* signs the message as the TLS signature scheme says (the digest is taken here) */
JNIEXPORT jbyteArray JNICALL Java_io_gatehouse_tls_OpenSsl3Rsa_sign(JNIEnv *env, jclass cls, jlong handle,
                                                                    jint scheme, jbyteArray input) {
  EVP_PKEY *key = (EVP_PKEY *)(intptr_t)handle;
  const EVP_MD *md;
  int pss = 0;
  switch (scheme) {
    case SIG_RSA_PKCS1_MD5_SHA1: md = ssl.EVP_md5_sha1(); break; /* OpenSSL's RSA leaves out the DigestInfo */
    case SIG_RSA_PKCS1_SHA1: md = ssl.EVP_sha1(); break;
    case SIG_RSA_PKCS1_SHA256: md = ssl.EVP_sha256(); break;
    case SIG_RSA_PKCS1_SHA384: md = ssl.EVP_sha384(); break;
    case SIG_RSA_PKCS1_SHA512: md = ssl.EVP_sha512(); break;
    case SIG_RSA_PSS_RSAE_SHA256: md = ssl.EVP_sha256(); pss = 1; break;
    case SIG_RSA_PSS_RSAE_SHA384: md = ssl.EVP_sha384(); pss = 1; break;
    case SIG_RSA_PSS_RSAE_SHA512: md = ssl.EVP_sha512(); pss = 1; break;
    default: throw_error(env, "unsupported signature scheme"); return NULL;
  }
  ssl.ERR_clear_error();
  jsize in_len = (*env)->GetArrayLength(env, input);
  jbyte *in = (*env)->GetByteArrayElements(env, input, NULL);
  if (in == NULL) {
    return NULL; /* OutOfMemoryError pending */
  }
  size_t max = (size_t)ssl.EVP_PKEY_get_size(key);
  unsigned char *sig = malloc(max);
  EVP_MD_CTX *mctx = ssl.EVP_MD_CTX_new();
  jbyteArray out = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  size_t len = max;
  if (sig == NULL || mctx == NULL) {
    throw_error(env, "out of memory");
  } else if (ssl.EVP_DigestSignInit(mctx, &pctx, md, NULL, key) != 1
             || ssl.EVP_PKEY_CTX_set_rsa_padding(pctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1
             || (pss && ssl.EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)
             || ssl.EVP_DigestSign(mctx, sig, &len, (const unsigned char *)in, (size_t)in_len) != 1) {
    throw_error(env, "RSA signature failed");
  } else {
    out = java_bytes(env, sig, len); /* NULL with OutOfMemoryError pending when it fails */
  }
  (*env)->ReleaseByteArrayElements(env, input, in, JNI_ABORT);
  if (mctx != NULL) {
    ssl.EVP_MD_CTX_free(mctx); /* frees pctx too */
  }
  free(sig);
  return out;
}

/* raw RSA decryption (no padding): BoringSSL checks the PKCS#1 padding of key exchange itself, in constant time */
JNIEXPORT jbyteArray JNICALL Java_io_gatehouse_tls_OpenSsl3Rsa_decrypt(JNIEnv *env, jclass cls, jlong handle,
                                                                       jbyteArray input) {
  EVP_PKEY *key = (EVP_PKEY *)(intptr_t)handle;
  ssl.ERR_clear_error();
  jsize in_len = (*env)->GetArrayLength(env, input);
  jbyte *in = (*env)->GetByteArrayElements(env, input, NULL);
  if (in == NULL) {
    return NULL; /* OutOfMemoryError pending */
  }
  size_t max = (size_t)ssl.EVP_PKEY_get_size(key);
  unsigned char *plain = malloc(max);
  EVP_PKEY_CTX *pctx = ssl.EVP_PKEY_CTX_new(key, NULL);
  jbyteArray out = NULL;
  size_t len = max;
  if (plain == NULL || pctx == NULL) {
    throw_error(env, "out of memory");
  } else if (ssl.EVP_PKEY_decrypt_init(pctx) != 1 || ssl.EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_NO_PADDING) != 1
             || ssl.EVP_PKEY_decrypt(pctx, plain, &len, (const unsigned char *)in, (size_t)in_len) != 1) {
    throw_error(env, "RSA decryption failed");
  } else {
    out = java_bytes(env, plain, len); /* NULL with OutOfMemoryError pending when it fails */
  }
  (*env)->ReleaseByteArrayElements(env, input, in, JNI_ABORT);
  if (pctx != NULL) {
    ssl.EVP_PKEY_CTX_free(pctx);
  }
  if (plain != NULL) {
    wipe(plain, 0, max); /* the premaster secret */
    free(plain);
  }
  return out;
}
