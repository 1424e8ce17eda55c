#!/usr/bin/env python3
"""Golden SigV4 requests of a real botocore CloudFront client, captured as they arrive on a socket.

Writes golden.json beside this file. Tests/EdgeOriginTests/SigV4BotocoreGoldenTests.swift feeds
every captured request to s3edge's SigV4Verifier (service cloudfront, region us-east-1) and
expects it to verify, and compares the canonical request the verifier rebuilds with the one
botocore signed.

Re-run (from the repository root; botocore is pinned in tests/e2e/requirements.txt):

    .venv/bin/pip install -r tests/e2e/requirements.txt
    .venv/bin/python Tests/EdgeOriginTests/Fixtures/cloudfront-golden/generate.py

How the requests are made: a botocore client for `cloudfront` (API 2020-05-31) with
endpoint_url http://127.0.0.1:9180 calls CreateInvalidation, GetInvalidation and
ListInvalidations against a one-shot socket server on 127.0.0.1:9180 started by this script, which
records the bytes the client sent (request line, header fields in order, body) and answers 403
AccessDenied so the client does not retry. Port 9180 must be free while it runs.

The admin listener serves https://127.0.0.1:9180; the scheme is not signed and the Host header is
`127.0.0.1:9180` either way, so these signatures are the ones the CLI makes with
`--endpoint-url https://127.0.0.1:9180`. Plain HTTP only spares this script a certificate.

Deterministic: the signing clock is fixed by replacing botocore.auth.get_current_datetime, the
`amz-sdk-invocation-id` UUIDs come from a counter instead of uuid4 (botocore adds that header
after signing; the counter only keeps the file stable), the credentials are AWS's documented
example pair, and no AWS configuration or environment is read. Only the unsigned User-Agent header
differs between runs (the machine, and the order of its `m/` feature ids, a Python set).
"""

import datetime
import hashlib
import json
import os
import pathlib
import platform
import socket
import sys
import threading
import uuid

for name in list(os.environ):
    if name.startswith("AWS_"):
        del os.environ[name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.endpoint  # noqa: E402
import botocore.session  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

FIXED_TIME = datetime.datetime(2026, 11, 29, 14, 7, 31)  # naive UTC, as botocore uses it
REGION = "us-east-1"
SERVICE = "cloudfront"
HOST, PORT = "127.0.0.1", 9180
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# Shaped like an STS token: base64 with '/', '+' and '='.
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+admin/token+example=="
DISTRIBUTION = "EDFDVBD6EXAMPLE"

CASES = [
    ("create-invalidation", None, "create_invalidation", {
        "DistributionId": DISTRIBUTION,
        "InvalidationBatch": {
            "Paths": {"Quantity": 2, "Items": ["/index.html", "/images/*"]},
            "CallerReference": "deploy-2026-11-29-001",
        },
    }),
    ("create-invalidation-awkward-paths", None, "create_invalidation", {
        "DistributionId": DISTRIBUTION,
        "InvalidationBatch": {
            "Paths": {"Quantity": 4, "Items": [
                "/café/menu du jour.html", "/a+b=c&d.txt", "/~user/%20already-encoded", "/東京/*",
            ]},
            "CallerReference": "déploiement <2026> & \"quotes\"",
        },
    }),
    ("create-invalidation-session-token", SESSION_TOKEN, "create_invalidation", {
        "DistributionId": DISTRIBUTION,
        "InvalidationBatch": {
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": "deploy-2026-11-29-002",
        },
    }),
    ("get-invalidation", None, "get_invalidation", {"DistributionId": DISTRIBUTION, "Id": "I2J0I21PCUYOIK"}),
    ("get-invalidation-session-token", SESSION_TOKEN, "get_invalidation", {
        "DistributionId": DISTRIBUTION, "Id": "IDFDVBD632BHDS5",
    }),
    ("list-invalidations", None, "list_invalidations", {"DistributionId": DISTRIBUTION}),
    ("list-invalidations-max-items", None, "list_invalidations", {"DistributionId": DISTRIBUTION, "MaxItems": "25"}),
    ("list-invalidations-marker", None, "list_invalidations", {
        "DistributionId": DISTRIBUTION, "Marker": "I2J0I21PCUYOIK", "MaxItems": "10",
    }),
    ("list-invalidations-awkward-marker", None, "list_invalidations", {
        "DistributionId": DISTRIBUTION, "Marker": "next page/+=&?é~*", "MaxItems": "100",
    }),
    ("list-invalidations-session-token", SESSION_TOKEN, "list_invalidations", {
        "DistributionId": DISTRIBUTION, "Marker": "IDFDVBD632BHDS5", "MaxItems": "5",
    }),
]

DENIED = (
    b"<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\">"
    b"<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>captured</Message></Error>"
    b"<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
)


def read_request(connection):
    """One HTTP/1.1 request from `connection`: (request line, [(name, value)], body bytes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise RuntimeError("client closed before the end of the head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value.strip(" \t")))
    length = sum(int(value) for name, value in headers if name.lower() == "content-length")
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise RuntimeError("client closed before the end of the body")
        body += chunk
    return lines[0], headers, body


def serve(listener, captured):
    for _ in CASES:
        connection, _ = listener.accept()
        with connection:
            captured.append(read_request(connection))
            connection.sendall(
                b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nConnection: close\r\n"
                + f"Content-Length: {len(DENIED)}\r\n\r\n".encode() + DENIED
            )


class Recorder:
    """Keeps the canonical request and string to sign botocore's SigV4Auth computed last."""

    def __init__(self):
        self.canonical_request = None
        self.string_to_sign = None
        original_canonical = botocore.auth.SigV4Auth.canonical_request
        original_string_to_sign = botocore.auth.SigV4Auth.string_to_sign
        recorder = self

        def canonical_request(self, request):
            recorder.canonical_request = original_canonical(self, request)
            return recorder.canonical_request

        def string_to_sign(self, request, canonical):
            recorder.string_to_sign = original_string_to_sign(self, request, canonical)
            return recorder.string_to_sign

        botocore.auth.SigV4Auth.canonical_request = canonical_request
        botocore.auth.SigV4Auth.string_to_sign = string_to_sign


def main():
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: FIXED_TIME
    counter = iter(range(1, 1000))
    botocore.endpoint.uuid.uuid4 = lambda: uuid.UUID(f"00000000-0000-4000-8000-{next(counter):012d}")
    recorder = Recorder()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, PORT))
    except OSError as error:
        raise SystemExit(f"cannot listen on {HOST}:{PORT} ({error}): stop what uses it and re-run")
    listener.listen(1)
    captured = []
    server = threading.Thread(target=serve, args=(listener, captured), daemon=True)
    server.start()

    session = botocore.session.Session()
    cases = []
    for case_id, token, operation, params in CASES:
        client = session.create_client(
            SERVICE, region_name=REGION, endpoint_url=f"http://{HOST}:{PORT}",
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, aws_session_token=token,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        try:
            getattr(client, operation)(**params)
            raise SystemExit(f"{case_id}: the capture server did not refuse the request")
        except ClientError as error:
            assert error.response["Error"]["Code"] == "AccessDenied", error
        request_line, headers, body = captured[-1]
        method, target, version = request_line.split(" ")
        assert version == "HTTP/1.1", request_line
        authorization = [value for name, value in headers if name.lower() == "authorization"]
        assert len(authorization) == 1, headers
        cases.append({
            "id": case_id,
            "operation": operation,
            "params": params,
            "session_token": token is not None,
            "method": method,
            "target": target,
            "headers": [[name, value] for name, value in headers],
            "body": body.decode("utf-8"),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "canonical_request": recorder.canonical_request,
            "string_to_sign": recorder.string_to_sign,
            "authorization": authorization[0],
        })
    server.join(timeout=10)
    listener.close()

    golden = {
        "description": "Requests of a botocore CloudFront client (API 2020-05-31) as received on a socket, "
        "signed with SigV4 at a fixed time. Generated by generate.py; do not edit.",
        "generator": "Tests/EdgeOriginTests/Fixtures/cloudfront-golden/generate.py",
        "botocore_version": botocore.__version__,
        "python_version": platform.python_version(),
        "timestamp": FIXED_TIME.strftime("%Y%m%dT%H%M%SZ"),
        "region": REGION,
        "service": SERVICE,
        "endpoint": f"https://{HOST}:{PORT} (captured over http://{HOST}:{PORT}; the scheme is not signed)",
        "credentials": {
            "access_key_id": ACCESS_KEY,
            "secret_access_key": SECRET_KEY,
            "session_token": SESSION_TOKEN,
            "note": "AWS's documented example key pair; the token is made up.",
        },
        "cases": cases,
    }
    out = pathlib.Path(__file__).with_name("golden.json")
    out.write_text(json.dumps(golden, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {out} (botocore {botocore.__version__})")


if __name__ == "__main__":
    sys.exit(main())
