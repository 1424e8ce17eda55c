#!/usr/bin/env python3
"""Writes botocore-signed.json: signed URLs and cookies made by AWS's own signers with fresh keys.

Run with the project's venv (botocore 1.44.8 and awscli 1.46.3 are pinned in
tests/e2e/requirements.txt; `cryptography` comes with moto there):

    .venv/bin/python Tests/EdgeSignedURLTests/Fixtures/botocore/generate.py

Every run makes a new RSA-2048 and a new P-256 key, so the output differs each time; only the
public keys are written. The signatures are made by:

* botocore's `CloudFrontSigner.generate_presigned_url` and `build_policy`, with a signer callable
  from `cryptography` (RSA PKCS#1 v1.5 with SHA-1 or SHA-256, ECDSA P-256 with SHA-256). botocore
  adds no `Hash-Algorithm` parameter itself; for SHA-256 it is appended here, as the SDKs that
  support SHA-256 write it.
* botocore has no cookie helper: cookie values are botocore's own `build_policy` output and its
  `_url_b64encode` of the policy and the signature, under CloudFront's cookie names.
* `aws cloudfront sign` (the AWS CLI, RSA-SHA1 with the `rsa` package), run as a subprocess.

The times are fixed (2030-01-01 expiry), so the test can pick "now" on either side of them.
"""
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

import botocore
import cryptography
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
EXPIRES = 1893456000      # 2030-01-01T00:00:00Z
NOT_BEFORE = 1767225600   # 2026-01-01T00:00:00Z
VALID_AT = 1800000000     # 2027-01-15T08:00:00Z, inside both windows
RSA_ID = "K2RSA2048BOTOCORE"
EC_ID = "K3ECDSAP256BOTOCORE"


def utc(seconds):
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def pem_public(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def rsa_signer(key, algorithm):
    return lambda message: key.sign(message, padding.PKCS1v15(), algorithm)


def ec_signer(key):
    return lambda message: key.sign(message, ec.ECDSA(hashes.SHA256()))


def url_case(case_id, signer, key_id, hash_name, url, *, policy=None, client_ip="203.0.113.7", **extra):
    cf = CloudFrontSigner(key_id, signer)
    if policy is None:
        signed = cf.generate_presigned_url(url, date_less_than=utc(EXPIRES))
    else:
        signed = cf.generate_presigned_url(url, policy=policy)
    if hash_name == "SHA256":
        signed += "&Hash-Algorithm=SHA256"
    return dict(id=case_id, kind="url", keyPairId=key_id, hashAlgorithm=hash_name,
                policy="canned" if policy is None else "custom", request=signed, cookies={},
                clientIp=client_ip, validAt=VALID_AT, expires=EXPIRES, **extra)


def cookie_case(case_id, signer, key_id, hash_name, url, *, policy=None, client_ip="203.0.113.7", **extra):
    cf = CloudFrontSigner(key_id, signer)
    cookies = {}
    if policy is None:
        signed_bytes = cf.build_policy(url, utc(EXPIRES)).encode()
        cookies["CloudFront-Expires"] = str(EXPIRES)
    else:
        signed_bytes = policy.encode()
        cookies["CloudFront-Policy"] = cf._url_b64encode(signed_bytes).decode()
    cookies["CloudFront-Signature"] = cf._url_b64encode(signer(signed_bytes)).decode()
    cookies["CloudFront-Key-Pair-Id"] = key_id
    if hash_name == "SHA256":
        cookies["CloudFront-Hash-Algorithm"] = "SHA256"
    return dict(id=case_id, kind="cookies", keyPairId=key_id, hashAlgorithm=hash_name,
                policy="canned" if policy is None else "custom", request=url, cookies=cookies,
                clientIp=client_ip, validAt=VALID_AT, expires=EXPIRES, **extra)


def cli_case(case_id, pkcs1_path, url, extra_args, *, client_ip="203.0.113.7", **extra):
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    command = [aws, "cloudfront", "sign", "--url", url, "--key-pair-id", RSA_ID,
               "--private-key", "file://" + pkcs1_path, "--date-less-than", str(EXPIRES)] + extra_args
    environment = dict(os.environ, AWS_ACCESS_KEY_ID="unused", AWS_SECRET_ACCESS_KEY="unused",
                       AWS_DEFAULT_REGION="us-east-1")
    signed = subprocess.run(command, check=True, capture_output=True, text=True, env=environment).stdout.strip()
    policy = "custom" if extra_args else "canned"
    return dict(id=case_id, kind="url", keyPairId=RSA_ID, hashAlgorithm="SHA1", policy=policy,
                request=signed, cookies={}, clientIp=client_ip, validAt=VALID_AT, expires=EXPIRES, **extra)


def main():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    sha1 = rsa_signer(rsa_key, hashes.SHA1())
    sha256 = rsa_signer(rsa_key, hashes.SHA256())
    builder = CloudFrontSigner(RSA_ID, sha1)
    host = "https://cdn.example.com"

    wildcard_v4 = builder.build_policy(f"{host}/invoices/*", utc(EXPIRES), date_greater_than=utc(NOT_BEFORE),
                                       ip_address="192.0.2.0/24")
    wildcard_v6 = builder.build_policy(f"{host}/invoices/2026/*.pdf", utc(EXPIRES), ip_address="2001:db8::/32")
    single_ip = builder.build_policy(f"{host}/receipts/r-??.pdf?v=*", utc(EXPIRES), ip_address="198.51.100.23")
    site = builder.build_policy(f"{host}/*", utc(EXPIRES), date_greater_than=utc(NOT_BEFORE))

    cases = [
        url_case("botocore-rsa-sha1-canned", sha1, RSA_ID, "SHA1", f"{host}/invoices/2026/inv-001.pdf"),
        url_case("botocore-rsa-sha1-canned-query", sha1, RSA_ID, "SHA1", f"{host}/invoices/2026/inv-001.pdf?download=1&lang=en"),
        url_case("botocore-rsa-sha256-canned", sha256, RSA_ID, "SHA256", f"{host}/invoices/2026/inv-001.pdf"),
        url_case("botocore-rsa-sha1-custom-wildcard-ipv4", sha1, RSA_ID, "SHA1", f"{host}/invoices/2026/inv-002.pdf",
                 policy=wildcard_v4, client_ip="192.0.2.44", notBefore=NOT_BEFORE, sourceIp="192.0.2.0/24"),
        url_case("botocore-rsa-sha256-custom-wildcard-ipv6", sha256, RSA_ID, "SHA256", f"{host}/invoices/2026/inv-003.pdf",
                 policy=wildcard_v6, client_ip="2001:db8:1234::5", sourceIp="2001:db8::/32"),
        url_case("botocore-rsa-sha1-custom-single-ip-question-mark", sha1, RSA_ID, "SHA1", f"{host}/receipts/r-42.pdf?v=3",
                 policy=single_ip, client_ip="198.51.100.23", sourceIp="198.51.100.23/32"),
        url_case("botocore-ecdsa-p256-custom-wildcard", ec_signer(ec_key), EC_ID, "SHA256", f"{host}/invoices/2026/inv-004.pdf",
                 policy=wildcard_v4, client_ip="192.0.2.200", notBefore=NOT_BEFORE, sourceIp="192.0.2.0/24"),
        cookie_case("botocore-rsa-sha1-cookies-custom-site", sha1, RSA_ID, "SHA1", f"{host}/invoices/2026/inv-005.pdf",
                    policy=site, notBefore=NOT_BEFORE),
        cookie_case("botocore-rsa-sha256-cookies-canned", sha256, RSA_ID, "SHA256", f"{host}/invoices/2026/inv-006.pdf?x=1"),
        cookie_case("botocore-ecdsa-p256-cookies-custom-wildcard", ec_signer(ec_key), EC_ID, "SHA256",
                    f"{host}/invoices/2026/inv-007.pdf", policy=wildcard_v4, client_ip="192.0.2.1",
                    notBefore=NOT_BEFORE, sourceIp="192.0.2.0/24"),
    ]

    with tempfile.TemporaryDirectory() as scratch:
        pkcs1 = os.path.join(scratch, "rsa.pem")
        with open(pkcs1, "wb") as handle:
            handle.write(rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                               serialization.NoEncryption()))
        cases.append(cli_case("aws-cli-sign-canned", pkcs1, f"{host}/invoices/2026/inv-008.pdf?download=1", []))
        cases.append(cli_case("aws-cli-sign-custom-ip-and-start", pkcs1, f"{host}/invoices/2026/inv-009.pdf",
                              ["--ip-address", "192.0.2.0/24", "--date-greater-than", str(NOT_BEFORE)],
                              client_ip="192.0.2.9", notBefore=NOT_BEFORE, sourceIp="192.0.2.0/24"))

    aws_cli_version = subprocess.run([os.path.join(os.path.dirname(sys.executable), "aws"), "--version"],
                                     capture_output=True, text=True).stdout.strip() or "unknown"
    document = {
        "generator": "Tests/EdgeSignedURLTests/Fixtures/botocore/generate.py",
        "made_with": {
            "python": sys.version.split()[0],
            "botocore": botocore.__version__,
            "cryptography": cryptography.__version__,
            "aws_cli": aws_cli_version,
        },
        "keys": {RSA_ID: pem_public(rsa_key), EC_ID: pem_public(ec_key)},
        "cases": cases,
    }
    with open(os.path.join(HERE, "botocore-signed.json"), "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
