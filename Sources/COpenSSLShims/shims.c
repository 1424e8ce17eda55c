#include "COpenSSLShims.h"
#include <openssl/evp.h>
#include <openssl/crypto.h>

const int s3edge_TLS1_2_VERSION = TLS1_2_VERSION;
const int s3edge_TLS1_3_VERSION = TLS1_3_VERSION;

int s3edge_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

int s3edge_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

void s3edge_SSL_CTX_apply_server_hardening(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx,
        SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
        SSL_OP_NO_COMPRESSION | SSL_OP_PRIORITIZE_CHACHA);
    SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

void s3edge_SSL_CTX_enable_server_session_cache(SSL_CTX *ctx, long size) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, size);
}

int s3edge_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

void s3edge_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, s3edge_servername_cb cb, void *arg) {
    SSL_CTX_set_tlsext_servername_callback(ctx, cb);
    SSL_CTX_set_tlsext_servername_arg(ctx, arg);
}

EVP_PKEY *s3edge_EVP_RSA_gen(unsigned int bits) {
    return EVP_RSA_gen(bits);
}

EVP_PKEY *s3edge_EVP_EC_gen(const char *curve) {
    return EVP_EC_gen(curve);
}

long s3edge_BIO_set_mem_eof_return(BIO *bio, int value) {
    return BIO_set_mem_eof_return(bio, value);
}

void s3edge_OPENSSL_free(void *ptr) {
    OPENSSL_free(ptr);
}
