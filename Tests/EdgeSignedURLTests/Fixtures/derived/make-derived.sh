#!/usr/bin/env bash
# Writes the key files in this folder with the openssl command-line tool. They exercise
# TrustedKey's refusals and the other PEM forms; none signs anything. Run from this folder;
# the outputs are committed (the certificate and the new keys differ on every run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
CLI=../aws-cli

# The aws-cli test DSA key's public half (the "unsupported key type" case).
openssl pkey -in "$CLI/test-dsa-key.pem" -pubout -out dsa-public.pem
# The aws-cli test RSA key's public half as PKCS#1 (BEGIN RSA PUBLIC KEY).
openssl rsa -in "$CLI/test-rsa-key.pem" -RSAPublicKey_out -out rsa-pkcs1-public.pem 2>/dev/null
# A self-signed certificate over the same RSA key (BEGIN CERTIFICATE).
openssl req -x509 -new -key "$CLI/test-rsa-key.pem" -subj /CN=s3edge-signed-url-test -days 36500 -sha256 \
  -out rsa-certificate.pem
# Public keys of types CloudFront does not sign with; the private halves are thrown away.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp384r1 | openssl pkey -pubout -out p384-public.pem
openssl genpkey -algorithm ED25519 | openssl pkey -pubout -out ed25519-public.pem
