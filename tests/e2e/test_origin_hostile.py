"""Hostile viewer requests against an S3 origin: what the viewer gets AND what the origin receives.

The origin is a recording fake (tests/e2e/fake_origin.py) that answers 200 with
`x-amz-server-side-encryption: aws:kms` to anything and keeps every request's raw bytes. Each
corpus entry is written by hand onto a TLS socket (HTTP/1.1 request line as given; for the
HTTP/2 pass, a HEADERS frame with the :path as given), so no client normalises anything.

For every entry the origin must have received either nothing, or exactly one request that
- is for the configured bucket and key prefix (`/assets-123/public/...`), with no query,
- has no "." or ".." segment once percent-decoded (as S3 reads it), and is encoded canonically,
- carries only s3edge's own credentials: one `Authorization` signed (validly, checked here)
  with the configured access key and the configured session token, no viewer Authorization,
  Cookie, x-amz-* or proxy headers, and only the allowed forwarded headers.

Run with `-s` to see the corpus table.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import ssl
import time
from dataclasses import dataclass, field

import pytest

from conftest import (
    HOST,
    ORIGIN_BUCKET,
    ORIGIN_REGION,
    Certs,
    EOFSeen,
    RawH2,
    Server,
    ServerFactory,
    origin_env,
    read_response,
    tls_connect,
    with_origin,
    without_caching,
)
from fake_origin import FakeOrigin, RecordedRequest, object_answer

ACCESS_KEY_ID = "AKIAS3EDGEE2EHOSTILE"
SECRET_ACCESS_KEY = "s3edge/e2e/hostile+corpus/secret/0123456789ab"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE-s3edge-e2e-session-token"
PREFIX = "public/"
BASE = f"/{ORIGIN_BUCKET}/{PREFIX}"  # every origin path starts with this
OBJECT_BODY = b"hostile corpus object\n"

# Headers s3edge may send to S3: its own (host, signature) and the forwarded conditional/range
# and CORS preflight headers.
ALLOWED_ORIGIN_HEADERS = {
    "host", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token",
    "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
    "origin", "access-control-request-method", "access-control-request-headers",
}
VIEWER_MARK = "VIEWER"  # every credential-like header value a viewer sends contains it

VIEWER_CREDENTIAL_HEADERS = [
    ("Authorization", f"AWS4-HMAC-SHA256 Credential={VIEWER_MARK}AKIA/20240101/eu-west-2/s3/aws4_request, "
                      f"SignedHeaders=host, Signature={VIEWER_MARK}"),
    ("Cookie", f"session={VIEWER_MARK}-cookie"),
    ("x-amz-security-token", f"{VIEWER_MARK}-token"),
    ("x-amz-date", "20000101T000000Z"),
    ("x-amz-content-sha256", f"{VIEWER_MARK}-sha"),
    ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
    ("x-amz-server-side-encryption-customer-key", f"{VIEWER_MARK}-sse-c-key"),
    ("x-amz-request-payer", "requester"),
    ("x-amz-expected-bucket-owner", "999999999999"),
    ("x-amz-acl", "public-read"),
    ("Proxy-Authorization", f"Basic {VIEWER_MARK}"),
    ("X-Forwarded-For", "203.0.113.7"),
    ("X-Forwarded-Host", f"{VIEWER_MARK}.example"),
    ("Forwarded", f"for=203.0.113.7;host={VIEWER_MARK}.example"),
    ("Via", f"1.1 {VIEWER_MARK}"),
    ("User-Agent", f"{VIEWER_MARK}-agent"),
    ("Referer", f"https://{VIEWER_MARK}.example/"),
]


@dataclass
class Case:
    """One corpus entry. `target` is the request target exactly as written on the wire; `origin`
    is the exact target the origin must receive, or None when it must receive nothing."""

    name: str
    target: str
    status: int | tuple[int, ...]
    origin: str | None = None
    method: str = "GET"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    origin_method: str | None = None  # defaults to `method`
    h2: bool = True  # also sent over HTTP/2 (not for request-line-only shapes)
    forwarded: dict[str, str] = field(default_factory=dict)  # headers the origin must receive, exactly

    @property
    def statuses(self) -> tuple[int, ...]:
        return self.status if isinstance(self.status, tuple) else (self.status,)


def at(key: str) -> str:
    """The origin target for `key` (relative to the prefix), already in wire form."""
    return BASE + key


LONG = "a" * 1100

CORPUS = [
    # -- dot segments, raw and percent-encoded
    Case("dot-dot raw", "/../x", 400),
    Case("dot-dot encoded", "/%2e%2e/x", 400),
    Case("dot-dot upper + encoded slash", "/%2E%2E%2F..", 400),
    Case("dot segment", "/a/./b", 400),
    Case("dot-dot climbing out of prefix", "/a/../../private/x", 400),
    Case("trailing dot-dot", "/a/..", 400),
    Case("lone dot", "/.", 400),
    Case("lone dot encoded", "/%2e", 400),
    Case("half-encoded dot-dot", "/.%2e/x", 400),
    Case("dot-dot with encoded slash", "/..%2fx", 400),
    Case("encoded slash dot-dot encoded slash", "/%2F..%2Fx", 400),
    Case("dot-dot into another prefix", "/public/../private/x", 400),
    # -- double encoding: decoded once, the second layer is literal key text
    Case("double-encoded dot-dot", "/%252e%252e/x", 200, at("%252e%252e/x")),
    Case("double-encoded dot-dot slash", "/%252e%252e%252fsecret", 200, at("%252e%252e%252fsecret")),
    Case("triple dot is a name", "/.../x", 200, at(".../x")),
    Case("dot-dot prefix is a name", "/..a/x", 200, at("..a/x")),
    # -- backslashes
    Case("backslash raw", "/a\\..\\b", 400, h2=True),
    Case("backslash encoded", "/a%5C..%5Cb", 400),
    Case("backslash encoded lower", "/%5c", 400),
    # -- NUL and control bytes
    Case("NUL", "/a%00.txt", 400),
    Case("CR LF", "/a%0D%0ASet-Cookie:%20x=1", 400),
    Case("tab", "/a%09b", 400),
    Case("DEL", "/a%7Fb", 400),
    Case("ESC", "/a%1Bb", 400),
    # -- invalid and overlong UTF-8
    Case("overlong dot-dot", "/%C0%AE%C0%AE/x", 400),
    Case("overlong slash", "/%C0%AF", 400),
    Case("3-byte overlong dot", "/%E0%80%AE", 400),
    Case("invalid byte FF", "/%FF", 400),
    Case("UTF-16 surrogate", "/%ED%A0%80", 400),
    Case("truncated sequence", "/caf%C3", 400),
    # -- encoded and raw ? and #
    Case("encoded ?", "/k%3Facl", 400),
    Case("encoded #", "/k%23frag", 400),
    Case("raw #", "/k#frag", 400),
    # -- broken percent-encoding
    Case("bad hex", "/k%zz", 400),
    Case("trailing %", "/k%", 400),
    Case("one hex digit", "/k%4", 400),
    Case("nested %", "/%%32%65", 400),
    # -- S3 sub-resources and bucket-level queries: never forwarded
    Case("bucket ACL", "/?acl", 404),
    Case("list objects v2", "/?list-type=2", 404),
    Case("list versions", "/?versions", 404),
    Case("multipart uploads", "/?uploads", 404),
    Case("bucket policy", "/?policy", 404),
    Case("torrent", "/?torrent", 404),
    Case("bucket location", "/?location", 404),
    Case("HEAD list", "/?list-type=2&prefix=", 404, method="HEAD"),
    Case("root", "/", 404),
    Case("object versionId", "/k?versionId=1", 200, at("k")),
    Case("response-content-type override", "/k?response-content-type=text/html", 200, at("k")),
    Case("object tagging", "/k?tagging", 200, at("k")),
    Case("object ACL", "/k?acl", 200, at("k")),
    Case("object torrent", "/k?torrent", 200, at("k")),
    Case("presigned-URL parameters", "/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=VIEWER%2F2024"
         "&X-Amz-Signature=VIEWER&X-Amz-Security-Token=VIEWER", 200, at("k")),
    # -- other buckets: only keys inside the configured bucket and prefix
    Case("other bucket as first segment", "/other-bucket/x", 200, at("other-bucket/x")),
    Case("own bucket name as segment", "/assets-123/x", 200, at("assets-123/x")),
    Case("empty first segment", "//other-bucket/x", 200, at("/other-bucket/x")),
    Case("encoded slash", "/k%2Fx", 200, at("k/x")),
    # -- absolute-form targets
    Case("absolute-form https", f"https://{HOST}/k", 200, at("k"), h2=False),
    Case("absolute-form http", f"http://{HOST}/k?acl", 200, at("k"), h2=False),
    Case("absolute-form other host", "http://s3.amazonaws.com/other-bucket/k", 421, h2=False),
    Case("absolute-form dot-dot", f"https://{HOST}/../x", 400, h2=False),
    Case("absolute-form query only", f"https://{HOST}?list-type=2", 404, h2=False),
    Case("asterisk-form", "*", 400, h2=False),
    Case("authority-form", f"{HOST}:443", 400, h2=False),
    # -- viewer credentials and proxy headers: never forwarded
    Case("viewer credentials and proxy headers", "/k", 200, at("k"), headers=VIEWER_CREDENTIAL_HEADERS),
    Case("forwarded conditional + range", "/k", 200, at("k"),
         headers=[("Range", "bytes=0-3"), ("If-None-Match", '"abc"'), ("If-Modified-Since",
                                                                      "Tue, 01 Oct 2024 10:00:00 GMT"),
                  ("Cookie", f"{VIEWER_MARK}=1")],
         forwarded={"range": "bytes=0-3", "if-none-match": '"abc"',
                    "if-modified-since": "Tue, 01 Oct 2024 10:00:00 GMT"}),
    Case("GET with a body", "/k", 200, at("k"), headers=[("Content-Type", "text/plain")], body=b"VIEWER body"),
    Case("Range with inner whitespace", "/k", 200, at("k"), headers=[("Range", "bytes=0-3,  5-6")],
         forwarded={"range": "bytes=0-3,  5-6"}),
    Case("two Range headers", "/k", 200, at("k"), headers=[("Range", "bytes=0-3"), ("Range", "bytes=5-6")]),
    Case("non-ASCII in If-None-Match", "/k", 200, at("k"), headers=[("If-None-Match", '"caf\u00e9"')]),
    # -- methods
    Case("PUT", "/k", 403, method="PUT", body=b"VIEWER put"),
    Case("POST", "/k", 403, method="POST", body=b"VIEWER post"),
    Case("DELETE", "/k", 403, method="DELETE"),
    Case("PATCH", "/k", 403, method="PATCH", body=b"x"),
    Case("POST initiate multipart", "/k?uploads", 403, method="POST"),
    Case("DELETE bucket tagging", "/?tagging", 403, method="DELETE"),
    Case("PUT bucket policy", "/?policy", 403, method="PUT", body=b"{}"),
    Case("PROPFIND", "/k", 403, method="PROPFIND"),
    Case("TRACE", "/k", (403, 405), method="TRACE"),
    Case("HEAD", "/k", 200, at("k"), method="HEAD"),
    Case("OPTIONS preflight", "/k", 200, at("k"), method="OPTIONS",
         headers=[("Origin", "https://app.example"), ("Access-Control-Request-Method", "GET"),
                  ("Cookie", f"{VIEWER_MARK}=1")],
         forwarded={"origin": "https://app.example", "access-control-request-method": "GET"}),
    # -- ordinary but unusual keys: forwarded, encoded canonically
    Case("UTF-8 key", "/caf%C3%A9.txt", 200, at("caf%C3%A9.txt")),
    Case("space and plus", "/a%20b%2Bc", 200, at("a%20b%2Bc")),
    Case("raw plus", "/a+b", 200, at("a%2Bb")),
    Case("semicolon parameters", "/k;jsessionid=1", 200, at("k%3Bjsessionid%3D1")),
    Case("encoded percent", "/100%25.txt", 200, at("100%25.txt")),
    Case("RTL override character", "/%E2%80%AEtxt.exe", 200, at("%E2%80%AEtxt.exe")),
    Case("key over 1024 bytes", "/" + LONG, 400),
    # -- request-line oddities
    Case("mixed-case encoded dot-dot at end", "/x/%2E%2e", 400),
    Case("raw UTF-8 bytes in target", "/caf\u00e9.txt", 400, h2=False),
    Case("raw NUL in target", "/a\x00b", 400, h2=False),
    Case("raw space in target", "/a b", 400, h2=False),
    Case("lower-case method", "/k", (400, 403), method="get", h2=False),
    Case("two Host headers", "/k", 400, headers=[("Host", "other.example")], h2=False),
    Case("GET with chunked body", "/k", 200, at("k"), headers=[("Transfer-Encoding", "chunked")],
         body=b"5\r\nVIEWE\r\n0\r\n\r\n", h2=False),
]

IDS = [re.sub(r"[^a-zA-Z0-9]+", "-", c.name).strip("-") for c in CORPUS]


# --------------------------------------------------------------------------
# SigV4 check of what the origin received


def aws_uri_encode(data: bytes) -> str:
    """S3's canonical URI encoding of a path: unreserved bytes and "/" as they are, the rest %XX."""
    return "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "-._~/") else f"%{b:02X}"
                   for b in data)


def signature_problem(request: RecordedRequest) -> str | None:
    """None if `request` carries a valid SigV4 signature for exactly what was received (method,
    path, signed headers) with the test's secret; else what is wrong."""
    auths = request.header_values("authorization")
    if len(auths) != 1:
        return f"{len(auths)} Authorization headers"
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", auths[0])
    if not m:
        return f"malformed Authorization {auths[0]!r}"
    key_id, day, region, signed, signature = m.groups()
    if key_id != ACCESS_KEY_ID or region != ORIGIN_REGION:
        return f"signed with {key_id} for {region}"
    names = signed.split(";")
    for required in ("host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"):
        if required not in names:
            return f"{required} is not signed"
    canonical_headers = ""
    for name in names:
        values = request.header_values(name)
        if not values:
            return f"signed header {name} is missing"
        # SigV4: values trimmed, inner runs of spaces collapsed, repeated headers joined by ",".
        canonical_headers += f"{name}:{','.join(' '.join(v.split()) for v in values)}\n"
    amz_date = request.header("x-amz-date") or ""
    canonical = "\n".join([request.method, request.target, "", canonical_headers, signed,
                           request.header("x-amz-content-sha256") or ""])
    scope = f"{day}/{region}/s3/aws4_request"
    # The recorded head was decoded as latin-1: encoding it back gives the bytes as received.
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode("latin-1")).hexdigest()])
    k = ("AWS4" + SECRET_ACCESS_KEY).encode()
    for part in (day, region, "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, signature) else "signature does not verify"


def origin_problems(case: Case, request: RecordedRequest, port: int) -> list[str]:
    problems = []
    want_method = case.origin_method or case.method
    if request.method != want_method:
        problems.append(f"method {request.method}, expected {want_method}")
    if request.target != case.origin:
        problems.append(f"target {request.target!r}, expected {case.origin!r}")
    if "?" in request.target:
        problems.append("query string reached the origin")
    if not request.target.startswith(BASE):
        problems.append(f"outside {BASE}")
    decoded = request.decoded_path
    if any(seg in (b".", b"..") for seg in decoded.split(b"/")):
        problems.append("dot segment after decoding")
    if aws_uri_encode(decoded) != request.target.split("?")[0]:
        problems.append(f"not canonically encoded (expected {aws_uri_encode(decoded)!r})")
    if request.header("host") != f"127.0.0.1:{port}":
        problems.append(f"Host {request.header('host')!r}")
    for name, value in request.headers:
        if name.lower() not in ALLOWED_ORIGIN_HEADERS:
            problems.append(f"unexpected header {name}: {value}")
        if VIEWER_MARK in value:
            problems.append(f"viewer value forwarded in {name}: {value}")
    if request.header_values("x-amz-security-token") != [SESSION_TOKEN]:
        problems.append(f"x-amz-security-token {request.header_values('x-amz-security-token')}")
    if request.header("x-amz-date") == "20000101T000000Z":
        problems.append("the viewer's x-amz-date was used")
    for name, value in case.forwarded.items():
        if request.header_values(name) != [value]:
            problems.append(f"{name} not forwarded as {value!r}: {request.header_values(name)}")
    problem = signature_problem(request)
    if problem:
        problems.append(problem)
    return problems


# --------------------------------------------------------------------------
# sending


def send_h1(server: Server, certs: Certs, case: Case) -> tuple[str, dict[str, str]]:
    """(status or how it ended, response headers)."""
    head = f"{case.method} {case.target} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
    for name, value in case.headers:
        head += f"{name}: {value}\r\n"
    if case.body and not any(k.lower() == "transfer-encoding" for k, _ in case.headers):
        head += f"Content-Length: {len(case.body)}\r\n"
    raw = head.encode("utf-8", "surrogateescape") + b"\r\n" + case.body
    sock = tls_connect(server.https_port, certs=certs, alpn=["http/1.1"])
    try:
        sock.sendall(raw)
        try:
            status, headers, _ = read_response(sock, head=case.method == "HEAD")
            return str(status), headers
        except EOFSeen:
            return "closed", {}
        except (ssl.SSLError, ConnectionResetError) as e:
            return f"error:{type(e).__name__}", {}
    finally:
        sock.close()


def send_h2(server: Server, certs: Certs, case: Case) -> tuple[str, dict[str, str]]:
    from hyperframe.frame import HeadersFrame, RstStreamFrame, GoAwayFrame

    sock = tls_connect(server.https_port, certs=certs, alpn=["h2"])
    try:
        h2 = RawH2(sock)
        extra = [(k.lower(), v) for k, v in case.headers]
        if case.body:
            extra.append(("content-length", str(len(case.body))))
        stream = h2.send_headers(h2.request_headers(method=case.method, authority=HOST, path=case.target,
                                                    extra=extra), end_stream=not case.body)
        if case.body:
            h2.send_data(stream, case.body, end_stream=True)
        # RawH2.read_until polls in 0.2 s slices; short slices keep the corpus quick.
        frame, deadline = None, time.monotonic() + 10
        while frame is None and h2.eof is None and time.monotonic() < deadline:
            frame = next((f for f in h2.read(0.02)
                          if (isinstance(f, (HeadersFrame, RstStreamFrame)) and f.stream_id == stream)
                          or isinstance(f, GoAwayFrame)), None)
        if isinstance(frame, HeadersFrame):
            headers = dict(h2.decode_headers(frame))
            return headers.get(":status", "?"), headers
        if isinstance(frame, RstStreamFrame):
            return f"RST_STREAM({frame.error_code})", {}
        if isinstance(frame, GoAwayFrame):
            return f"GOAWAY({frame.error_code})", {}
        return f"no answer ({h2.eof})", {}
    finally:
        sock.close()


# --------------------------------------------------------------------------
# fixtures and tests

RESULTS: list[tuple[str, str, Case, str, str, list[str]]] = []


@pytest.fixture(scope="module")
def origin():
    o = FakeOrigin(object_answer(OBJECT_BODY, content_type="text/plain"))
    yield o
    o.close()


@pytest.fixture(scope="module")
def edge(shared_servers: ServerFactory, origin: FakeOrigin) -> Server:
    # The uncached relay forwards the most (range and conditional headers): the widest surface.
    # The cache's fills send less (a plain or revalidating GET); test_cache covers what they send.
    config = without_caching(with_origin(shared_servers.config(), origin.endpoint, key_prefix=PREFIX))
    return shared_servers.start(config, env=origin_env(ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN))


def check(case: Case, protocol: str, edge: Server, certs: Certs, origin: FakeOrigin) -> None:
    mark, _ = origin.snapshot()
    status, headers = (send_h1 if protocol == "h1" else send_h2)(edge, certs, case)
    received = origin.requests_since(mark)
    problems: list[str] = []
    if status not in {str(s) for s in case.statuses}:
        problems.append(f"viewer got {status}, expected {'/'.join(map(str, case.statuses))}")
    if case.origin is None:
        if received:
            problems.append(f"origin must receive nothing, got {[r.raw for r in received]}")
        seen = "-"
    else:
        if len(received) != 1:
            problems.append(f"origin must receive exactly one request, got {len(received)}")
        for request in received:
            problems += origin_problems(case, request, origin.port)
        seen = " | ".join(f"{r.method} {r.target}" for r in received) or "(nothing)"
    if status == "200" and case.method == "GET" and headers.get("content-type") not in (None, "text/plain"):
        problems.append(f"viewer Content-Type {headers.get('content-type')!r} (query must not override it)")
    RESULTS.append((protocol, case.name, case, status, seen, problems))
    assert not problems, f"{case.name} ({protocol}) {case.method} {case.target!r}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", CORPUS, ids=IDS)
def test_hostile_http1(case: Case, edge: Server, certs: Certs, origin: FakeOrigin):
    check(case, "h1", edge, certs, origin)


@pytest.mark.parametrize("case", [c for c in CORPUS if c.h2], ids=[i for c, i in zip(CORPUS, IDS) if c.h2])
def test_hostile_http2(case: Case, edge: Server, certs: Certs, origin: FakeOrigin):
    check(case, "h2", edge, certs, origin)


def test_zz_corpus_table(edge: Server):
    """Prints the corpus results (pytest -s); fails if any entry failed above."""
    def short(text: str, width: int) -> str:
        text = text.encode("unicode_escape").decode()
        return text if len(text) <= width else text[:width - 1] + "…"

    lines = [f"{'proto':5} {'case':34} {'method':8} {'target':40} {'want':7} {'got':7} {'origin received':44} ok"]
    failures = 0
    for protocol, _, case, status, seen, problems in RESULTS:
        failures += bool(problems)
        lines.append(f"{protocol:5} {short(case.name, 34):34} {case.method:8} {short(case.target, 40):40} "
                     f"{'/'.join(map(str, case.statuses)):7} {status:7} {short(seen, 44):44} "
                     f"{'yes' if not problems else 'NO: ' + '; '.join(problems)}")
    counts: dict[str, int] = {}
    for _, _, _, status, _, _ in RESULTS:
        counts[status] = counts.get(status, 0) + 1
    forwarded = sum(1 for r in RESULTS if r[4] != "-")
    lines.append(f"{len(RESULTS)} requests: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
                 + f"; origin contacted for {forwarded}, {failures} failing")
    print("\n" + "\n".join(lines))
    assert RESULTS, "run the whole module to get the table"
    assert failures == 0, f"{failures} corpus entries failed (see above)"
