#!/usr/bin/env python3
"""Golden SigV4 signatures for awkward S3 object keys, made by botocore's own S3 signers.

Writes golden.json beside this file. Tests/EdgeOriginTests/S3GoldenTests.swift signs the same
requests with s3edge's SigV4Signer and compares byte for byte: wire path, canonical request,
string to sign, signature, Authorization header and presigned URL.

Re-run (from the repository root; botocore is pinned in tests/e2e/requirements.txt):

    .venv/bin/pip install -r tests/e2e/requirements.txt
    .venv/bin/python Tests/EdgeOriginTests/Fixtures/s3-golden/generate.py

The output is deterministic: the clock is fixed by replacing botocore.auth.get_current_datetime
(the function S3SigV4Auth.add_auth and S3SigV4QueryAuth.add_auth read the time from), the
credentials are AWS's documented example pair, and nothing is sent over the network.

For every case the generator also:
  * asks a real botocore S3 client (GetObject, virtual-hosted or path-style) for the URL it would
    put on the wire, and signs exactly that URL with S3SigV4Auth / S3SigV4QueryAuth;
  * checks that the client's own generate_presigned_url gives the same presigned URL;
  * compares botocore's wire path with an independent implementation of S3's documented rule
    (UTF-8 bytes outside A-Za-z0-9-._~ become %XX with upper-case hex, '/' kept) and records
    whether they agree.
"""

import datetime
import json
import os
import pathlib
import platform
import sys
from urllib.parse import urlsplit

for name in list(os.environ):
    if name.startswith("AWS_"):
        del os.environ[name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.session  # noqa: E402
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

FIXED_TIME = datetime.datetime(2026, 3, 14, 9, 26, 53)  # naive UTC, as botocore uses it
REGION = "eu-west-2"
BUCKET = "myapp-dev-private-assets-123456"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# Shaped like an STS token: base64 with '/', '+' and '=' so the query encoding of all three shows.
SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCWV1LXdlc3QtMiJHMEUCIQD+session/token+example=="
)
EXPIRES = 3600

KEYS = [
    ("unicode", "photos/café/naïve 東京.jpg"),
    ("spaces", "reports/2024 Q1/board summary final.pdf"),
    ("plus", "c++/a+b=c d+e.txt"),
    ("sub-delims", "odd/()!*'=&:;@%$,.bin"),
    ("gen-delims", "odd/#hash?question[brackets].txt"),
    ("double-slash", "archive//2024//backup.tar.gz"),
    ("leading-slash", "/leading-slash.txt"),
    ("trailing-slash", "folder/sub folder/"),
    ("tilde", "~user/notes~1.txt"),
    ("dot-segments", "reports/./2024/../summary.txt"),
    ("percent-escape-lookalike", "already%20encoded%2Fnot.txt"),
    ("long", "long/" + "/".join(f"segment-{i:02d}-ünïcödé" for i in range(30)) + "/end.bin"),
]

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def s3_rule_encode(text):
    """S3's documented UriEncode for an object key: every byte once, '/' kept."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in UNRESERVED or byte == ord("/"):
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


class Recording:
    """Mixin that keeps the canonical request and string to sign botocore computed."""

    def string_to_sign(self, request, canonical_request):
        self.recorded_canonical_request = canonical_request
        self.recorded_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.recorded_string_to_sign

    def signature(self, string_to_sign, request):
        self.recorded_signature = super().signature(string_to_sign, request)
        return self.recorded_signature


class RecordingS3SigV4Auth(Recording, S3SigV4Auth):
    pass


class RecordingS3SigV4QueryAuth(Recording, S3SigV4QueryAuth):
    pass


class Captured(Exception):
    def __init__(self, url):
        super().__init__(url)
        self.url = url


def make_client(style, token):
    session = botocore.session.Session()
    return session.create_client(
        "s3",
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )


def client_wire_url(client, key):
    """The URL a real GetObject call would send, captured before it leaves the process."""

    def capture(request, **_):
        raise Captured(request.url)

    client.meta.events.register("before-send.s3.GetObject", capture)
    try:
        client.get_object(Bucket=BUCKET, Key=key)
    except Captured as captured:
        return captured.url
    finally:
        client.meta.events.unregister("before-send.s3.GetObject", capture)
    raise RuntimeError("GetObject was not sent")


def main():
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: FIXED_TIME
    cases = []
    differences = []
    for token in (None, SESSION_TOKEN):
        credentials = Credentials(ACCESS_KEY, SECRET_KEY, token)
        for style in ("virtual", "path"):
            client = make_client(style, token)
            for key_id, key in KEYS:
                url = client_wire_url(client, key)
                parts = urlsplit(url)
                assert not parts.query, url
                object_path = parts.path if style == "virtual" else parts.path[len("/" + BUCKET):]
                s3_rule_path = "/" + s3_rule_encode(key)
                matches = object_path == s3_rule_path
                if not matches:
                    differences.append({"key": key, "botocore": object_path, "s3_rule": s3_rule_path})
                common = {
                    "key": key,
                    "addressing_style": style,
                    "session_token": token is not None,
                    "host": parts.netloc,
                    "path": parts.path,
                    "object_path_s3_rule": s3_rule_path,
                    "botocore_path_matches_s3_rule": matches,
                }
                suffix = f"{key_id}-{style}-{'token' if token else 'longterm'}"

                signer = RecordingS3SigV4Auth(credentials, "s3", REGION)
                request = AWSRequest(method="GET", url=url, headers={})
                signer.add_auth(request)
                cases.append(
                    {
                        "id": f"header-{suffix}",
                        "form": "header",
                        **common,
                        "canonical_request": signer.recorded_canonical_request,
                        "string_to_sign": signer.recorded_string_to_sign,
                        "signature": signer.recorded_signature,
                        "authorization": request.headers["Authorization"],
                        "x_amz_date": request.headers["X-Amz-Date"],
                        "x_amz_content_sha256": request.headers["X-Amz-Content-SHA256"],
                    }
                )

                presigner = RecordingS3SigV4QueryAuth(credentials, "s3", REGION, expires=EXPIRES)
                request = AWSRequest(method="GET", url=url, headers={})
                presigner.add_auth(request)
                client_url = client.generate_presigned_url(
                    "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=EXPIRES
                )
                if client_url != request.url:
                    raise SystemExit(f"client and S3SigV4QueryAuth disagree:\n{client_url}\n{request.url}")
                cases.append(
                    {
                        "id": f"presigned-{suffix}",
                        "form": "presigned",
                        **common,
                        "canonical_request": presigner.recorded_canonical_request,
                        "string_to_sign": presigner.recorded_string_to_sign,
                        "signature": presigner.recorded_signature,
                        "presigned_url": request.url,
                    }
                )

    golden = {
        "description": "SigV4 for S3 GetObject with awkward keys, computed by botocore's S3SigV4Auth "
        "(header form) and S3SigV4QueryAuth (presigned form). Generated by generate.py; do not edit.",
        "generator": "Tests/EdgeOriginTests/Fixtures/s3-golden/generate.py",
        "botocore_version": botocore.__version__,
        "python_version": platform.python_version(),
        "timestamp": FIXED_TIME.strftime("%Y%m%dT%H%M%SZ"),
        "region": REGION,
        "service": "s3",
        "bucket": BUCKET,
        "credentials": {
            "access_key_id": ACCESS_KEY,
            "secret_access_key": SECRET_KEY,
            "session_token": SESSION_TOKEN,
            "note": "AWS's documented example key pair; the token is made up.",
        },
        "expires_seconds": EXPIRES,
        "payload_hash": {
            "header": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 (empty body, also sent as x-amz-content-sha256)",
            "presigned": "UNSIGNED-PAYLOAD",
        },
        "botocore_vs_s3_rule": {
            "botocore_path_encoding": "botocore.serialize renders the {Key+} label with percent_encode(key, safe='/~'), "
            "i.e. urllib.parse.quote, whose always-safe set is A-Za-z0-9_.-~; hex is upper-case; "
            "S3SigV4Auth then signs the path as sent (no normalization, no second encoding).",
            "differences": differences,
            "summary": "botocore's wire path equals S3's documented encoding for every key here."
            if not differences
            else "botocore's wire path differs from S3's documented encoding for the keys listed.",
        },
        "cases": cases,
    }
    out = pathlib.Path(__file__).with_name("golden.json")
    out.write_text(json.dumps(golden, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {out} (botocore {botocore.__version__}, {len(differences)} differences)")


if __name__ == "__main__":
    sys.exit(main())
