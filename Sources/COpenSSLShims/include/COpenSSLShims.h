// Typed wrappers for OpenSSL macros and variadic calls, which the Swift compiler cannot import.
// One function per macro; every name is prefixed `s3edge_`.
#ifndef S3EDGE_COPENSSL_SHIMS_H
#define S3EDGE_COPENSSL_SHIMS_H

#include <stdint.h>
#include <openssl/ssl.h>

/// Protocol version numbers for `s3edge_SSL_CTX_set_min_proto_version`.
extern const int s3edge_TLS1_2_VERSION;
extern const int s3edge_TLS1_3_VERSION;

int s3edge_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int s3edge_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);

/// Options every s3edge context carries: renegotiation refused, server cipher preference,
/// no compression, no TLS 1.2 session-ID/ticket sharing across contexts beyond OpenSSL defaults.
void s3edge_SSL_CTX_apply_server_hardening(SSL_CTX *ctx);

/// Server-side session cache (TLS 1.2 session IDs) with the given size; tickets stay on.
void s3edge_SSL_CTX_enable_server_session_cache(SSL_CTX *ctx, long size);

int s3edge_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);

typedef int (*s3edge_servername_cb)(SSL *ssl, int *alert, void *arg);
void s3edge_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, s3edge_servername_cb cb, void *arg);

/// Key generation (EVP_RSA_gen / EVP_EC_gen are variadic macros).
EVP_PKEY *s3edge_EVP_RSA_gen(unsigned int bits);
EVP_PKEY *s3edge_EVP_EC_gen(const char *curve);

/// Makes an empty memory BIO report "retry" rather than EOF, so a short read is not a close.
long s3edge_BIO_set_mem_eof_return(BIO *bio, int value);

void s3edge_OPENSSL_free(void *ptr);

#endif
