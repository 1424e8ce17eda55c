"""Serving a private, SSE-KMS encrypted bucket end to end: s3edge in front of moto_server with IAM
enforcement on, driven by curl over HTTPS (HTTP/1.1 and HTTP/2).

The bucket is set up as on AWS (tests/e2e/moto_origin.py): default encryption SSE-KMS with a
bucket key, public access blocked, an IAM user allowed only s3:GetObject on the bucket's
objects, whose access key s3edge gets through its environment (the default credentials chain).
An unsigned request straight to moto is refused, so every 200 below went through a SigV4
signature that moto checked.
"""

from __future__ import annotations

import hashlib
import random
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import (
    HOST,
    ORIGIN_BUCKET,
    Certs,
    CurlResponse,
    Server,
    ServerFactory,
    curl,
    origin_env,
    parse_curl,
    with_origin,
)
from moto_origin import MotoServer, SeededBucket, SeedObject, enable_auth, pdf_bytes, png_bytes, seed_private_bucket

VERSIONS = [pytest.param(False, id="http1.1"), pytest.param(True, id="http2")]

BIG_SIZE = 3 * 1024 * 1024
AES256_KEY = "legacy/aes256-notes.txt"
OBJECTS = [
    SeedObject("hello.txt", b"Hello from a private, SSE-KMS encrypted bucket.\n", "text/plain; charset=utf-8"),
    SeedObject("images/gradient.png", png_bytes(32, 32), "image/png"),
    SeedObject("docs/2024 reports/q1.pdf", pdf_bytes("Q1 2024 report"), "application/pdf"),
    SeedObject("data/blob 3MiB.bin", random.Random(20241001).randbytes(BIG_SIZE), "application/octet-stream"),
    SeedObject(AES256_KEY, b"uploaded before default encryption was turned on\n", "text/plain",
               server_side_encryption="AES256"),
]
KMS_KEYS = [o.key for o in OBJECTS if o.server_side_encryption is None]

# Headers that identify S3's internals or the customer's key: never passed to viewers.
WITHHELD = ["x-amz-id-2", "x-amz-request-id", "x-amzn-requestid", "x-amz-server-side-encryption-aws-kms-key-id",
            "x-amz-content-sha256"]


@pytest.fixture(scope="module")
def bucket(moto_server: MotoServer) -> SeededBucket:
    seeded = seed_private_bucket(moto_server.endpoint, ORIGIN_BUCKET, OBJECTS)
    enable_auth(moto_server.endpoint)
    return seeded


def start_edge(factory: ServerFactory, bucket: SeededBucket, *, secret: str | None = None,
               access_key_id: str | None = None, **origin_keys) -> Server:
    config = with_origin(factory.config(), bucket.endpoint, region=bucket.region, **origin_keys)
    # debug: S3's 404s are explained at debug level (see test_missing_key_is_plain_404_or_403).
    config["log"] = {"level": "debug"}
    env = origin_env(access_key_id or bucket.access_key_id, secret or bucket.secret_access_key)
    return factory.start(config, env=env)


@pytest.fixture(scope="module")
def edge(shared_servers: ServerFactory, bucket: SeededBucket) -> Server:
    return start_edge(shared_servers, bucket)


def url_for(server: Server, key: str) -> str:
    return f"https://{HOST}:{server.https_port}/" + urllib.parse.quote(key, safe="/")


def fetch(server: Server, certs: Certs, key: str, out: Path, *, http2: bool = False, extra: list[str] = (),
          head: bool = False) -> CurlResponse:
    """curl one object into `out` (bytes untouched); the response head is parsed from stdout."""
    args = ["--resolve", f"{HOST}:{server.https_port}:127.0.0.1", "--cacert", certs.ca_bundle,
            "--http2" if http2 else "--http1.1"]
    args += ["--head"] if head else ["--dump-header", "-", "--output", out]
    result = curl([*args, *extra, url_for(server, key)])
    return parse_curl(result)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_edge_headers(r: CurlResponse) -> None:
    assert r.header("server") == "s3edge", r.headers
    for name in WITHHELD:
        assert name not in r.headers, f"{name} must be withheld from viewers: {r.headers}"


# --------------------------------------------------------------------------
# the bucket really is private


def test_unsigned_request_straight_to_moto_is_refused(bucket: SeededBucket):
    """Proves the bucket is private and moto enforces IAM: whatever s3edge gets, it got by signing."""
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{bucket.endpoint}/{bucket.bucket}/hello.txt", timeout=10)
    assert e.value.code == 403


def test_objects_are_stored_as_the_test_expects(bucket: SeededBucket):
    assert {k: o.server_side_encryption for k, o in bucket.objects.items()} == {
        **{k: "aws:kms" for k in KMS_KEYS}, AES256_KEY: "AES256"}


# --------------------------------------------------------------------------
# objects through the edge


@pytest.mark.parametrize("http2", VERSIONS)
@pytest.mark.parametrize("key", KMS_KEYS)
def test_object_is_byte_identical(edge: Server, certs: Certs, bucket: SeededBucket, tmp_path: Path, key: str,
                                  http2: bool):
    obj = bucket.objects[key]
    out = tmp_path / "body"
    r = fetch(edge, certs, key, out, http2=http2)
    assert r.returncode == 0, r.stderr
    assert r.version == ("HTTP/2" if http2 else "HTTP/1.1")
    assert r.status == 200, f"{r.status} {out.read_bytes()[:300]!r}\n{edge.log()[-3000:]}"
    body = out.read_bytes()
    assert len(body) == len(obj.body)
    assert sha256(body) == sha256(obj.body)
    assert r.header("content-type") == obj.content_type
    assert r.header("content-length") == str(len(obj.body))
    assert r.header("etag") == obj.etag
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
def test_head_has_the_object_headers_and_no_body(edge: Server, certs: Certs, bucket: SeededBucket, tmp_path: Path,
                                                 http2: bool):
    obj = bucket.objects["images/gradient.png"]
    r = fetch(edge, certs, obj.key, tmp_path / "unused", http2=http2, head=True)
    assert r.returncode == 0, r.stderr
    assert r.status == 200
    assert r.body == ""
    assert r.header("content-length") == str(len(obj.body))
    assert r.header("content-type") == "image/png"
    assert r.header("etag") == obj.etag
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
@pytest.mark.parametrize("key,first,last", [
    ("data/blob 3MiB.bin", 1_000_000, 1_065_535),
    ("docs/2024 reports/q1.pdf", 0, 7),
])
def test_single_range_is_206_with_exact_bytes(edge: Server, certs: Certs, bucket: SeededBucket, tmp_path: Path,
                                              key: str, first: int, last: int, http2: bool):
    obj = bucket.objects[key]
    out = tmp_path / "part"
    r = fetch(edge, certs, key, out, http2=http2, extra=["--range", f"{first}-{last}"])
    assert r.returncode == 0, r.stderr
    assert r.status == 206
    assert out.read_bytes() == obj.body[first:last + 1]
    assert r.header("content-range") == f"bytes {first}-{last}/{len(obj.body)}"
    assert r.header("content-length") == str(last - first + 1)
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
def test_if_none_match_with_the_etag_is_304(edge: Server, certs: Certs, bucket: SeededBucket, tmp_path: Path,
                                            http2: bool):
    obj = bucket.objects["hello.txt"]
    out = tmp_path / "body"
    r = fetch(edge, certs, obj.key, out, http2=http2, extra=["--header", f"If-None-Match: {obj.etag}"])
    assert r.returncode == 0, r.stderr
    assert r.status == 304
    assert not out.exists() or out.read_bytes() == b""
    assert r.header("etag") == obj.etag
    assert_edge_headers(r)
    # And a non-matching one gets the object.
    r = fetch(edge, certs, obj.key, out, http2=http2, extra=["--header", 'If-None-Match: "0000"'])
    assert r.status == 200 and out.read_bytes() == obj.body


@pytest.mark.parametrize("header,status", [
    ("Range: bytes=999999999-", 416),
    ('If-Match: "00000000000000000000000000000000"', 412),
])
def test_unsatisfiable_range_and_failed_precondition(edge: Server, certs: Certs, tmp_path: Path, header: str,
                                                     status: int):
    out = tmp_path / "body"
    r = fetch(edge, certs, "hello.txt", out, extra=["--header", header])
    assert r.status == status
    body = out.read_bytes() if out.exists() else b""
    assert b"<" not in body, body
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
def test_missing_key_is_plain_404_or_403(edge: Server, certs: Certs, tmp_path: Path, http2: bool):
    """moto answers NoSuchKey (404) here although the user lacks s3:ListBucket (AWS would say 403
    AccessDenied). The viewer gets the status with a plain body, never S3's XML; the log names
    S3's code. (s3edge logs S3's 404 explanations at debug level, its 403s at warning.)"""
    key = f"nothing/here-{'h2' if http2 else 'h1'}.txt"
    out = tmp_path / "body"
    r = fetch(edge, certs, key, out, http2=http2)
    assert r.returncode == 0, r.stderr
    assert r.status in (403, 404)
    body = out.read_bytes()
    assert b"<" not in body and b"NoSuchKey" not in body and b"AccessDenied" not in body, body
    assert r.header("content-type") is None or "xml" not in r.header("content-type")
    assert_edge_headers(r)
    code = "NoSuchKey" if r.status == 404 else "AccessDenied"
    line = edge.wait_for_log(rf"origin answered {r.status} {code}[^\n]*{re.escape(key)}[^\n]*")
    assert line, f"no log line naming {code} and the key:\n{edge.log()[-3000:]}"


@pytest.mark.parametrize("http2", VERSIONS)
def test_object_not_encrypted_with_sse_kms_is_refused_with_502(edge: Server, certs: Certs, bucket: SeededBucket,
                                                              tmp_path: Path, http2: bool):
    out = tmp_path / "body"
    r = fetch(edge, certs, AES256_KEY, out, http2=http2)
    assert r.returncode == 0, r.stderr
    assert r.status == 502
    assert bucket.objects[AES256_KEY].body not in out.read_bytes()
    assert_edge_headers(r)
    line = edge.wait_for_log(r"[^\n]*refusing to serve an object[^\n]*")
    assert line, edge.log()[-3000:]
    assert AES256_KEY in line.group(0) and "copy it onto itself" in line.group(0), line.group(0)
    assert "AES256" in line.group(0)


def test_viewer_query_string_is_not_forwarded(edge: Server, certs: Certs, bucket: SeededBucket, tmp_path: Path):
    """A query would change what moto signs and serves (response-content-type overrides); s3edge
    drops it, so the object comes back with its stored type and a valid signature."""
    obj = bucket.objects["hello.txt"]
    out = tmp_path / "body"
    args = ["--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", certs.ca_bundle, "--http1.1",
            "--dump-header", "-", "--output", out]
    r = parse_curl(curl([*args, url_for(edge, obj.key) + "?response-content-type=text/html&versionId=1"]))
    assert r.status == 200, r.stderr
    assert out.read_bytes() == obj.body
    assert r.header("content-type") == obj.content_type


# --------------------------------------------------------------------------
# credentials and keys


@pytest.fixture(scope="module")
def edge_bad_secret(shared_servers: ServerFactory, bucket: SeededBucket) -> Server:
    wrong = ("X" if bucket.secret_access_key[0] != "X" else "Y") + bucket.secret_access_key[1:]
    return start_edge(shared_servers, bucket, secret=wrong)


@pytest.mark.parametrize("http2", VERSIONS)
def test_wrong_secret_is_403_and_the_log_explains_signature_mismatch(edge_bad_secret: Server, certs: Certs,
                                                                    bucket: SeededBucket, tmp_path: Path,
                                                                    http2: bool):
    out = tmp_path / "body"
    r = fetch(edge_bad_secret, certs, "hello.txt", out, http2=http2)
    assert r.returncode == 0, r.stderr
    assert r.status == 403
    body = out.read_bytes()
    assert b"<" not in body and b"Signature" not in body, body
    assert_edge_headers(r)
    line = edge_bad_secret.wait_for_log(r"[^\n]*origin answered 403 SignatureDoesNotMatch[^\n]*")
    assert line, edge_bad_secret.log()[-3000:]
    assert "secret key does not belong to the access key" in line.group(0), line.group(0)
    assert bucket.secret_access_key[4:] not in edge_bad_secret.log(), "the secret must never be logged"


def test_unknown_access_key_is_403_and_the_log_says_invalid_access_key(shared_servers: ServerFactory,
                                                                       bucket: SeededBucket, certs: Certs,
                                                                       tmp_path: Path):
    server = start_edge(shared_servers, bucket, access_key_id="AKIAIOSFODNN7EXAMPLE")
    r = fetch(server, certs, "hello.txt", tmp_path / "body")
    assert r.status == 403
    line = server.wait_for_log(r"[^\n]*origin answered 403 InvalidAccessKeyId[^\n]*")
    assert line, server.log()[-3000:]


@pytest.mark.parametrize("exact_key,status", [(True, 200), (False, 502)])
def test_require_sse_kms_with_a_key_arn(shared_servers: ServerFactory, bucket: SeededBucket, certs: Certs,
                                        tmp_path: Path, exact_key: bool, status: int):
    """`require_sse_kms: ARN` serves objects under exactly that key (moto reports the bucket's
    key on every object) and refuses the same objects under another ARN, naming both keys."""
    other = "arn:aws:kms:eu-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
    wanted = bucket.kms_key_arn if exact_key else other
    server = start_edge(shared_servers, bucket, require_sse_kms=wanted)
    out = tmp_path / "body"
    r = fetch(server, certs, "hello.txt", out)
    assert r.status == status, server.log()[-3000:]
    if exact_key:
        assert out.read_bytes() == bucket.objects["hello.txt"].body
    else:
        line = server.wait_for_log(r"[^\n]*refusing to serve an object[^\n]*")
        assert line and bucket.kms_key_arn in line.group(0) and other in line.group(0), server.log()[-3000:]
