"""Private content end to end: CloudFront signed URLs and signed cookies made by AWS's own signers
(botocore's CloudFrontSigner with `cryptography`, and `aws cloudfront sign`) open objects under a
restricted cache behavior through s3edge over HTTPS; everything else gets 403 and never reaches the
cache or the origin. Signing parameters are not part of the cache key and are not forwarded.

s3edge runs in front of the scriptable fake origin (tests/e2e/fake_origin.py), as in test_cache.py.
"""

from __future__ import annotations

import base64
import datetime
import json
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from conftest import HOST, Certs, Server, ServerFactory, curl, run
from fake_origin import FakeOrigin
from test_cache import ACCESS, HIT, MISS, assert_served, fetch, key_path, random_bytes, with_origin

ROOT = Path(__file__).resolve().parents[2]
AWS = ROOT / ".venv" / "bin" / "aws"
RSA_ID = "K2JCJMDEHXQW5F"
EC_ID = "K3ECDSAP256TEST"
FUTURE = datetime.datetime(2035, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An RSA-2048 key, a P-256 key and an unrelated RSA key, as PEM files and objects."""
    directory = tmp_path_factory.mktemp("signing-keys")
    made = {}
    for name, key in (("rsa", rsa.generate_private_key(65537, 2048)), ("other", rsa.generate_private_key(65537, 2048)),
                      ("ec", ec.generate_private_key(ec.SECP256R1()))):
        private = directory / f"{name}.pem"
        private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                              serialization.NoEncryption()))
        public = directory / f"{name}.pub.pem"
        public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
        made[name] = {"key": key, "private": private, "public": public}
    return made


def rsa_signer(key, algorithm=hashes.SHA1()):
    return lambda message: key.sign(message, padding.PKCS1v15(), algorithm)


def cf_b64(data: bytes) -> str:
    """CloudFront's URL-safe base64."""
    return base64.b64encode(data).decode().replace("+", "-").replace("=", "_").replace("/", "~")


def start_private_edge(factory: ServerFactory, origin: FakeOrigin, keys: dict) -> Server:
    config = with_origin(factory.config(), origin.endpoint)
    distribution = config["distributions"][0]
    distribution["cache_policy"] = {"query_strings": "all", "cookies": "all"}
    distribution["trusted_keys"] = [{"id": RSA_ID, "public_key": str(keys["rsa"]["public"])},
                                    {"id": EC_ID, "public_key": str(keys["ec"]["public"])}]
    distribution["behaviors"] = [{"path_pattern": "/private/*", "restrict_viewer_access": True}]
    edge = factory.start(config, env=ACCESS)
    edge.base = f"https://{HOST}:{edge.https_port}"
    return edge


def seed(origin: FakeOrigin, paths: list[str]) -> dict[str, bytes]:
    bodies = {p: random_bytes(2000 + len(p), len(p)) for p in paths}
    origin.objects = {**(origin.objects or {}), **{key_path(p.lstrip("/")): FakeOrigin.s3_object(b) for p, b in bodies.items()}}
    return bodies


def target(url: str) -> str:
    """The path and query of an absolute URL."""
    return "/" + url.split("/", 3)[3]


def origin_saw_signing_parameters(origin: FakeOrigin) -> list[str]:
    """Origin requests whose target carries a signing parameter, or that carry a CloudFront-* cookie
    (the origin's own SigV4 `Authorization: … Signature=` is s3edge's, not the viewer's)."""
    names = ("Signature=", "Key-Pair-Id=", "Expires=", "Policy=", "Hash-Algorithm=")
    found = []
    for r in origin.requests:
        text = r.raw.decode(errors="replace")
        request_line = text.split("\r\n", 1)[0]
        if any(n in request_line for n in names) or "CloudFront-" in text:
            found.append(text)
    return found


def test_botocore_canned_and_custom_urls_open_private_objects(servers: ServerFactory, fake_origin: FakeOrigin,
                                                             certs: Certs, keys: dict):
    bodies = seed(fake_origin, ["/private/invoice.pdf", "/private/receipts/r1.pdf", "/public/logo.png"])
    edge = start_private_edge(servers, fake_origin, keys)
    signer = CloudFrontSigner(RSA_ID, rsa_signer(keys["rsa"]["key"]))

    # Canned policy.
    url = signer.generate_presigned_url(f"{edge.base}/private/invoice.pdf", date_less_than=FUTURE)
    assert "Expires=" in url and "Signature=" in url and f"Key-Pair-Id={RSA_ID}" in url
    assert_served(fetch(edge, certs, target(url)), bodies["/private/invoice.pdf"], MISS)
    # Another valid signature of the same object is the same cache entry.
    other = signer.generate_presigned_url(f"{edge.base}/private/invoice.pdf",
                                          date_less_than=FUTURE - datetime.timedelta(days=1))
    assert other != url
    assert_served(fetch(edge, certs, target(other), http2=True), bodies["/private/invoice.pdf"], HIT)

    # Custom policy with a wildcard resource and the viewer's address.
    policy = signer.build_policy(f"{edge.base}/private/*", date_less_than=FUTURE, ip_address="127.0.0.1/32")
    custom = signer.generate_presigned_url(f"{edge.base}/private/receipts/r1.pdf", policy=policy)
    assert "Policy=" in custom
    assert_served(fetch(edge, certs, target(custom)), bodies["/private/receipts/r1.pdf"], MISS)
    # The same policy opens every path it covers.
    again = signer.generate_presigned_url(f"{edge.base}/private/invoice.pdf", policy=policy)
    assert_served(fetch(edge, certs, target(again)), bodies["/private/invoice.pdf"], HIT)

    # Unrestricted paths need nothing.
    assert_served(fetch(edge, certs, "/public/logo.png"), bodies["/public/logo.png"], MISS)
    assert origin_saw_signing_parameters(fake_origin) == [], "signing parameters reached the origin"
    assert len(fake_origin.requests) == 3


def test_signed_cookies(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, keys: dict):
    bodies = seed(fake_origin, ["/private/a.jpg"])
    edge = start_private_edge(servers, fake_origin, keys)
    signer = CloudFrontSigner(RSA_ID, rsa_signer(keys["rsa"]["key"]))
    policy = signer.build_policy(f"{edge.base}/private/*", date_less_than=FUTURE)
    signature = rsa_signer(keys["rsa"]["key"])(policy.encode())
    cookie = (f"CloudFront-Policy={cf_b64(policy.encode())}; CloudFront-Signature={cf_b64(signature)}; "
              f"CloudFront-Key-Pair-Id={RSA_ID}; theme=dark")
    assert_served(fetch(edge, certs, "/private/a.jpg", headers=[f"Cookie: {cookie}"]), bodies["/private/a.jpg"], MISS)
    # Canned cookies (CloudFront-Expires), another signature: the same cached object.
    expires = int(FUTURE.timestamp()) - 60
    canned = json.dumps({"Statement": [{"Resource": f"{edge.base}/private/a.jpg",
                                        "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
                        separators=(",", ":"))
    canned_signature = rsa_signer(keys["rsa"]["key"])(canned.encode())
    cookie = (f"theme=dark; CloudFront-Expires={expires}; CloudFront-Signature={cf_b64(canned_signature)}; "
              f"CloudFront-Key-Pair-Id={RSA_ID}")
    assert_served(fetch(edge, certs, "/private/a.jpg", headers=[f"Cookie: {cookie}"]), bodies["/private/a.jpg"], HIT)
    assert origin_saw_signing_parameters(fake_origin) == []


def test_sha256_and_ecdsa_signatures(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, keys: dict):
    bodies = seed(fake_origin, ["/private/s.txt"])
    edge = start_private_edge(servers, fake_origin, keys)
    expires = int(FUTURE.timestamp())
    resource = f"{edge.base}/private/s.txt"
    canned = json.dumps({"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
                        separators=(",", ":")).encode()
    sha256 = rsa_signer(keys["rsa"]["key"], hashes.SHA256())(canned)
    path = f"/private/s.txt?Expires={expires}&Signature={cf_b64(sha256)}&Key-Pair-Id={RSA_ID}&Hash-Algorithm=SHA256"
    assert_served(fetch(edge, certs, path), bodies["/private/s.txt"], MISS)
    ecdsa = keys["ec"]["key"].sign(canned, ec.ECDSA(hashes.SHA256()))
    path = f"/private/s.txt?Expires={expires}&Signature={cf_b64(ecdsa)}&Key-Pair-Id={EC_ID}&Hash-Algorithm=SHA256"
    assert_served(fetch(edge, certs, path), bodies["/private/s.txt"], HIT)


def test_aws_cli_cloudfront_sign(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, keys: dict):
    bodies = seed(fake_origin, ["/private/cli.pdf"])
    edge = start_private_edge(servers, fake_origin, keys)
    result = subprocess.run(
        [str(AWS), "cloudfront", "sign", "--url", f"{edge.base}/private/cli.pdf", "--key-pair-id", RSA_ID,
         "--private-key", f"file://{keys['rsa']['private']}", "--date-less-than", "2035-01-01"],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(edge.config_path.parent), "AWS_CONFIG_FILE": "/dev/null",
             "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert url.startswith(f"{edge.base}/private/cli.pdf?Expires=")
    assert_served(fetch(edge, certs, target(url)), bodies["/private/cli.pdf"], MISS)
    # With a custom policy window (--date-greater-than) and the viewer's address.
    result = subprocess.run(
        [str(AWS), "cloudfront", "sign", "--url", f"{edge.base}/private/cli.pdf", "--key-pair-id", RSA_ID,
         "--private-key", f"file://{keys['rsa']['private']}", "--date-less-than", "2035-01-01",
         "--date-greater-than", "2020-01-01", "--ip-address", "127.0.0.0/8"],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(edge.config_path.parent), "AWS_CONFIG_FILE": "/dev/null",
             "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert result.returncode == 0, result.stderr
    assert "Policy=" in result.stdout
    assert_served(fetch(edge, certs, target(result.stdout.strip())), bodies["/private/cli.pdf"], HIT)


def test_everything_else_is_refused(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, keys: dict):
    seed(fake_origin, ["/private/a.pdf", "/private/b.pdf"])
    edge = start_private_edge(servers, fake_origin, keys)
    signer = CloudFrontSigner(RSA_ID, rsa_signer(keys["rsa"]["key"]))
    now = datetime.datetime.now(datetime.timezone.utc)
    good = signer.generate_presigned_url(f"{edge.base}/private/a.pdf", date_less_than=FUTURE)
    wrong_key = CloudFrontSigner(RSA_ID, rsa_signer(keys["other"]["key"]))
    unknown = CloudFrontSigner("KUNKNOWNKEY00001", rsa_signer(keys["rsa"]["key"]))
    signature = good.split("Signature=")[1].split("&")[0]
    cases = {
        "no signature": "/private/a.pdf",
        "expired": target(signer.generate_presigned_url(f"{edge.base}/private/a.pdf",
                                                        date_less_than=now - datetime.timedelta(minutes=1))),
        "not yet valid": target(signer.generate_presigned_url(
            f"{edge.base}/private/a.pdf", policy=signer.build_policy(
                f"{edge.base}/private/*", date_less_than=FUTURE, date_greater_than=now + datetime.timedelta(hours=1)))),
        "wrong IP": target(signer.generate_presigned_url(
            f"{edge.base}/private/a.pdf", policy=signer.build_policy(
                f"{edge.base}/private/*", date_less_than=FUTURE, ip_address="10.0.0.0/8"))),
        "tampered path": target(good).replace("/private/a.pdf", "/private/b.pdf"),
        "custom policy for another object": target(signer.generate_presigned_url(
            f"{edge.base}/private/b.pdf", policy=signer.build_policy(f"{edge.base}/private/a.pdf", date_less_than=FUTURE))),
        "tampered query": target(good) + "&extra=1",
        "truncated signature": target(good).replace(signature, signature[:-8]),
        "unknown key id": target(unknown.generate_presigned_url(f"{edge.base}/private/a.pdf", date_less_than=FUTURE)),
        "wrong key": target(wrong_key.generate_presigned_url(f"{edge.base}/private/a.pdf", date_less_than=FUTURE)),
        "encoded path around the pattern": "/%70rivate/a.pdf",
    }
    for name, path in cases.items():
        r = fetch(edge, certs, path)
        assert r.status == 403, f"{name}: {r}"
        assert b"signed URL or signed cookies" in r.body, f"{name}: {r.body!r}"
    assert fake_origin.requests == [], "a refused request reached the origin"
    log = edge.log()
    for reason in ("missing", "expired", "not yet valid", "IP not allowed", "resource mismatch", "unknown key id",
                   "bad signature"):
        assert reason in log, f"the log does not say {reason!r}"
    assert signature not in log, "the log echoes a signature"
    # The good one still works.
    assert fetch(edge, certs, target(good)).status == 200


@pytest.mark.parametrize("http2", [False, True], ids=["http1.1", "http2"])
def test_a_grant_expires_on_a_connection_that_stays_open(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                                         keys: dict, http2: bool):
    """s3edge remembers the grants a connection was given (a repeated URL or cookie is not verified
    again byte by byte), but the expiry is checked on every request: the same URL, sent again on
    the same connection after its Expires, is refused."""
    seed(fake_origin, ["/private/short.pdf"])
    edge = start_private_edge(servers, fake_origin, keys)
    signer = CloudFrontSigner(RSA_ID, rsa_signer(keys["rsa"]["key"]))
    expires = datetime.datetime.fromtimestamp(int(time.time()) + 3, datetime.timezone.utc)
    url = f"https://{HOST}:{edge.https_port}" + target(
        signer.generate_presigned_url(f"{edge.base}/private/short.pdf", date_less_than=expires))
    # Three transfers of the same URL, one connection, one every 2 s (curl's --rate 30/m): the first
    # two before the expiry second, the third after it.
    result = curl(["--globoff", "--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", certs.ca_bundle,
                   "--http2" if http2 else "--http1.1", "--rate", "30/m",
                   "--write-out", "%{http_code} %{num_connects} %{time_starttransfer}\\n", "--output", "/dev/null",
                   url, "--output", "/dev/null", url, "--output", "/dev/null", url])
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [line[1] for line in lines] == ["1", "0", "0"], f"curl did not reuse its connection: {lines}"
    assert [line[0] for line in lines] == ["200", "200", "403"], f"statuses on one connection: {lines}"
    assert len(fake_origin.requests) == 1
    assert "expired" in edge.log()
