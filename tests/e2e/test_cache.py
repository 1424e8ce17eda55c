"""The edge cache end to end: s3edge in front of the scriptable fake origin
(tests/e2e/fake_origin.py), driven by curl over HTTPS (HTTP/1.1, and HTTP/2 where it is cheap).

What a viewer sees: every answer says where it came from in `X-Cache` (`Miss`, `Hit`,
`RefreshHit` or `Error from s3edge`) and how old it is in `Age`. The first request for an object
is a miss fetched once from the origin; the next ones are hits with the same bytes and stored
headers, answered without the origin (even when it is down, and after a restart); HEAD,
conditional and Range requests on a hit are answered from the cache; many first requests for
one object make one origin fetch and stream as its bytes arrive; a viewer leaving does not
abort a fill, and a fill that breaks off is never cached. How long things stay cached follows
CloudFront's rules (TTLs, revalidation, stale-while-revalidate, stale-if-error, error caching,
max_object_size), and only what the cache policy selects tells objects apart.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from conftest import (
    CLIENT_TIMEOUT,
    HOST,
    ORIGIN_BUCKET,
    Certs,
    Server,
    ServerFactory,
    curl,
    free_port,
    http_get,
    origin_env,
    parse_curl,
    tls_connect,
    with_origin,
)
from fake_origin import Answer, FakeOrigin, RecordedRequest, object_answer

VERSIONS = [pytest.param(False, id="http1.1"), pytest.param(True, id="http2")]
ACCESS = origin_env("AKIAS3EDGEE2ECACHE001", "cache/secret/key/for/the/e2e/tests/0000000000")

HIT = "Hit from s3edge"
MISS = "Miss from s3edge"
REFRESH_HIT = "RefreshHit from s3edge"
ERROR = "Error from s3edge"
X_CACHE_VALUES = {HIT, MISS, REFRESH_HIT, ERROR}

LAST_MODIFIED = "Tue, 01 Oct 2024 10:00:00 GMT"
CHUNK = 256 * 1024  # the store's chunk size: ranges and partial bodies are tested across it
CONDITIONAL_HEADERS = ("if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range")


def random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def etag_of(body: bytes) -> str:
    """The ETag the fake origin gives `body` (S3's for a single-part upload)."""
    return '"' + hashlib.md5(body).hexdigest() + '"'


def key_path(key: str) -> str:
    """The path the origin sees for object `key` (path addressing: the bucket first)."""
    return f"/{ORIGIN_BUCKET}/{key}"


def start_edge(factory: ServerFactory, endpoint: str, *, policy: dict | None = None,
               cache_settings: dict | None = None, log_level: str = "info", config_path: Path | None = None,
               **distribution_keys) -> Server:
    """s3edge with `endpoint` as origin; `policy` is the distribution's cache_policy,
    `cache_settings` go into the `cache` section, other keyword arguments are distribution keys
    (error_caching_min_ttl=..., max_object_size=...)."""
    config = with_origin(factory.config(), endpoint)
    config["cache"].update(cache_settings or {})
    config["log"] = {"level": log_level}
    distribution = config["distributions"][0]
    if policy is not None:
        distribution["cache_policy"] = policy
    distribution.update(distribution_keys)
    edge = factory.start(config, env=ACCESS, config_path=config_path)
    edge.test_config = config  # for restarts on the same config path (same cache)
    return edge


def restart(factory: ServerFactory, edge: Server) -> Server:
    """SIGTERM `edge`, wait for its exit, start it again on the same config (and so the same cache)."""
    code = edge.stop()
    assert code == 0, f"s3edge exited with {code} on SIGTERM; log:\n{edge.log()[-3000:]}"
    return start_again(factory, edge)


def start_again(factory: ServerFactory, edge: Server) -> Server:
    again = factory.start(edge.test_config, config_path=edge.config_path, env=ACCESS)
    again.test_config = edge.test_config
    return again


@dataclass
class Reply:
    status: int
    version: str
    headers: dict[str, list[str]]
    body: bytes
    returncode: int
    stderr: str
    elapsed: float

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def x_cache(self) -> str | None:
        return self.header("x-cache")

    @property
    def age(self) -> int:
        """The Age header, which must be a whole number of seconds."""
        value = self.header("age")
        assert value is not None and re.fullmatch(r"\d+", value), f"Age must be whole seconds, got {value!r}"
        return int(value)

    def __str__(self) -> str:
        return (f"status {self.status}, X-Cache {self.x_cache!r}, Age {self.header('age')!r}, "
                f"{len(self.body)} body bytes, curl exit {self.returncode} {self.stderr.strip()}")


def fetch(edge: Server, certs: Certs, path: str, *, http2: bool = False, head: bool = False,
          headers: list[str] = (), extra: list[str] = (), timeout: float = CLIENT_TIMEOUT) -> Reply:
    """One curl request for `path` (with its query) on `edge`; the body's bytes are kept as sent."""
    fd, out = tempfile.mkstemp(prefix="s3e-cache-body-")
    os.close(fd)
    try:
        args = ["--globoff", "--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", certs.ca_bundle,
                "--http2" if http2 else "--http1.1"]
        args += ["--head"] if head else ["--dump-header", "-", "--output", out]
        for h in headers:
            args += ["--header", h]
        start = time.monotonic()
        result = curl([*args, *extra, f"https://{HOST}:{edge.https_port}{path}"], timeout=timeout)
        elapsed = time.monotonic() - start
        r = parse_curl(result)
        body = Path(out).read_bytes()
    finally:
        os.unlink(out)
    return Reply(r.status, r.version, r.headers, body, r.returncode, r.stderr, elapsed)


def assert_served(r: Reply, body: bytes, x_cache: str, *, status: int = 200) -> None:
    """A complete answer with exactly `body`, marked `x_cache`, from s3edge."""
    assert r.returncode == 0, f"curl failed: {r}"
    assert r.status == status, str(r)
    assert r.x_cache == x_cache, f"expected X-Cache {x_cache!r}: {r}"
    assert len(r.body) == len(body) and r.body == body, f"wrong body: {r}"
    assert r.header("server") == "s3edge", r.headers
    r.age  # noqa: B018 (present and whole seconds)
    for name in ("server", "date", "age", "x-cache", "content-length", "etag", "content-type", "last-modified"):
        assert len(r.headers.get(name, [])) <= 1, f"{name} sent more than once: {r.headers}"


def assert_plain_get(request: RecordedRequest, key: str) -> None:
    """The origin got a GET for the whole object, without the viewer's Range or conditionals."""
    assert request.method == "GET", request.raw
    assert request.path == key_path(key), request.raw
    for name in ("range", *CONDITIONAL_HEADERS):
        assert request.header(name) is None, f"the origin got {name}: {request.raw!r}"


def origin_requests_for(origin: FakeOrigin, key: str) -> list[RecordedRequest]:
    return [r for r in origin.requests_since(0) if r.path == key_path(key)]


def wait_until(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def with_arrival_times(behaviour, times: list[float]):
    """`behaviour`, noting when each request reached the origin (time.monotonic())."""
    def answer(request: RecordedRequest) -> Answer:
        times.append(time.monotonic())
        return behaviour(request)
    return answer


def incomplete(http2: bool) -> int:
    """curl's exit code for a transfer that did not complete (see test_origin_faults.py)."""
    return 92 if http2 else 18


# --------------------------------------------------------------------------
# misses, hits and what a hit carries


@pytest.mark.parametrize("http2", VERSIONS)
def test_second_request_is_a_hit_served_without_the_origin(servers: ServerFactory, fake_origin: FakeOrigin,
                                                          certs: Certs, http2: bool):
    body = random_bytes(5000, 1)
    fake_origin.objects = {key_path("img/hit.png"): FakeOrigin.s3_object(
        body, content_type="image/png",
        extra=[("Cache-Control", "max-age=3600"), ("x-amz-meta-owner", "u1")])}
    edge = start_edge(servers, fake_origin.endpoint)

    first = fetch(edge, certs, "/img/hit.png", http2=http2)
    assert_served(first, body, MISS)
    assert first.version == ("HTTP/2" if http2 else "HTTP/1.1")
    assert first.age == 0, "a miss is Age: 0"
    assert len(fake_origin.requests) == 1
    assert_plain_get(fake_origin.requests[0], "img/hit.png")

    second = fetch(edge, certs, "/img/hit.png", http2=http2)
    assert_served(second, body, HIT)
    assert len(fake_origin.requests) == 1, "a hit must not contact the origin"
    for name in ("content-type", "content-length", "etag", "last-modified", "cache-control", "x-amz-meta-owner"):
        assert second.header(name) == first.header(name), f"{name}: hit {second.headers} vs miss {first.headers}"
    assert second.header("content-type") == "image/png"
    assert second.header("content-length") == str(len(body))
    assert second.header("last-modified") == LAST_MODIFIED
    for name in ("x-amz-request-id", "x-amz-id-2", "x-amz-server-side-encryption-aws-kms-key-id"):
        assert name not in second.headers, f"{name} reached the viewer from the cache"

    fake_origin.close()  # hits keep working without the origin
    third = fetch(edge, certs, "/img/hit.png", http2=http2)
    assert_served(third, body, HIT)


def test_request_right_after_a_complete_miss_is_a_hit(servers: ServerFactory, fake_origin: FakeOrigin,
                                                       certs: Certs):
    """A viewer that got a whole object as a miss and asks again (a new curl, a new connection)
    gets a hit: 60 objects, each asked for twice in a row."""
    bodies = {f"o{i}.bin": random_bytes(20_000 + 7919 * i, 100 + i) for i in range(60)}
    fake_origin.objects = {key_path(k): FakeOrigin.s3_object(b) for k, b in bodies.items()}
    edge = start_edge(servers, fake_origin.endpoint)
    labels = []
    for key, body in bodies.items():
        assert_served(fetch(edge, certs, f"/{key}"), body, MISS)
        again = fetch(edge, certs, f"/{key}")
        assert again.returncode == 0 and again.body == body, str(again)
        labels.append(again.x_cache)
    assert len(fake_origin.requests) == len(bodies)
    not_hits = [(key, label) for key, label in zip(bodies, labels) if label != HIT]
    assert not not_hits, f"{len(not_hits)} of {len(bodies)} second requests were not hits: {not_hits}"


def test_empty_object_is_cached(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    fake_origin.objects = {key_path("empty.txt"): FakeOrigin.s3_object(b"", content_type="text/plain")}
    edge = start_edge(servers, fake_origin.endpoint)
    assert_served(fetch(edge, certs, "/empty.txt"), b"", MISS)
    hit = fetch(edge, certs, "/empty.txt")
    assert_served(hit, b"", HIT)
    assert hit.header("content-length") == "0"
    head = fetch(edge, certs, "/empty.txt", head=True)
    assert head.status == 200 and head.x_cache == HIT and head.header("content-length") == "0", str(head)
    assert len(fake_origin.requests) == 1


def test_age_counts_seconds_since_the_object_was_stored(servers: ServerFactory, fake_origin: FakeOrigin,
                                                        certs: Certs):
    body = b"aging\n"
    fake_origin.objects = {key_path("age.txt"): FakeOrigin.s3_object(body, extra=[("Cache-Control", "max-age=600")])}
    edge = start_edge(servers, fake_origin.endpoint)
    miss = fetch(edge, certs, "/age.txt")
    assert miss.age == 0
    time.sleep(2.2)
    r = fetch(edge, certs, "/age.txt")
    assert_served(r, body, HIT)
    assert 2 <= r.age <= 4, f"Age {r.age} about 2.2 s after the miss"
    then, now = (parsedate_to_datetime(x.header("date")) for x in (miss, r))
    assert (now - then).total_seconds() >= 2, f"a hit's Date is when it is served: {then} then {now}"


@pytest.mark.parametrize("http2", VERSIONS)
def test_head_on_a_hit_is_answered_from_the_cache(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                                  http2: bool):
    body = random_bytes(300_000, 2)
    fake_origin.objects = {key_path("h.bin"): FakeOrigin.s3_object(body)}
    edge = start_edge(servers, fake_origin.endpoint)
    got = fetch(edge, certs, "/h.bin", http2=http2)
    assert_served(got, body, MISS)
    r = fetch(edge, certs, "/h.bin", http2=http2, head=True)
    assert r.returncode == 0, str(r)
    assert r.status == 200
    assert r.x_cache == HIT, str(r)
    assert r.header("content-length") == str(len(body))
    assert r.header("etag") == got.header("etag")
    assert r.body == b""
    assert len(fake_origin.requests) == 1, [q.method for q in fake_origin.requests]


def test_head_on_a_miss_is_forwarded_as_head_and_not_cached(servers: ServerFactory, fake_origin: FakeOrigin,
                                                            certs: Certs):
    body = random_bytes(4000, 3)
    fake_origin.objects = {key_path("h.bin"): FakeOrigin.s3_object(body)}
    edge = start_edge(servers, fake_origin.endpoint)
    for _ in range(2):
        r = fetch(edge, certs, "/h.bin", head=True)
        assert r.status == 200, str(r)
        assert r.x_cache == MISS, str(r)
        assert r.header("content-length") == str(len(body))
    assert [q.method for q in fake_origin.requests] == ["HEAD", "HEAD"], "each HEAD on a miss goes to the origin"
    assert_served(fetch(edge, certs, "/h.bin"), body, MISS)
    assert [q.method for q in fake_origin.requests] == ["HEAD", "HEAD", "GET"]
    assert_plain_get(fake_origin.requests[2], "h.bin")
    assert fetch(edge, certs, "/h.bin", head=True).x_cache == HIT
    assert len(fake_origin.requests) == 3


# --------------------------------------------------------------------------
# conditional requests


def test_conditionals_on_a_hit_are_answered_from_the_cache(servers: ServerFactory, fake_origin: FakeOrigin,
                                                           certs: Certs):
    body = random_bytes(10_000, 4)
    fake_origin.objects = {key_path("c.bin"): FakeOrigin.s3_object(body)}
    edge = start_edge(servers, fake_origin.endpoint)
    miss = fetch(edge, certs, "/c.bin")
    assert_served(miss, body, MISS)
    etag = miss.header("etag")
    assert etag

    for condition in (f"If-None-Match: {etag}", f'If-None-Match: "0123", {etag}',
                      f"If-Modified-Since: {LAST_MODIFIED}", "If-Modified-Since: Wed, 01 Jan 2025 00:00:00 GMT"):
        r = fetch(edge, certs, "/c.bin", headers=[condition])
        assert r.returncode == 0, str(r)
        assert r.status == 304, f"{condition}: {r}"
        assert r.body == b""
        assert r.header("etag") == etag, f"{condition}: a 304 carries the ETag: {r.headers}"
        assert r.x_cache == HIT, f"{condition}: {r}"
        r.age  # noqa: B018

    for condition in ('If-None-Match: "0123"', "If-Modified-Since: Mon, 30 Sep 2024 10:00:00 GMT",
                      f"If-Match: {etag}", f"If-Unmodified-Since: {LAST_MODIFIED}"):
        r = fetch(edge, certs, "/c.bin", headers=[condition])
        assert_served(r, body, HIT)

    for condition in ('If-Match: "0123"', "If-Unmodified-Since: Mon, 30 Sep 2024 10:00:00 GMT"):
        r = fetch(edge, certs, "/c.bin", headers=[condition])
        assert r.returncode == 0, str(r)
        assert r.status == 412, f"{condition}: {r}"
        assert r.x_cache == HIT, f"{condition}: {r}"
        assert body[:100] not in r.body
    assert len(fake_origin.requests) == 1, "conditionals on a hit never reach the origin"


@pytest.mark.parametrize("condition", ["if-none-match", "if-modified-since"])
def test_conditional_on_a_miss_fills_the_cache_with_a_plain_get(servers: ServerFactory, fake_origin: FakeOrigin,
                                                                certs: Certs, condition: str):
    body = random_bytes(10_000, 5)
    etag = etag_of(body)
    fake_origin.objects = {key_path("c.bin"): FakeOrigin.s3_object(body)}
    edge = start_edge(servers, fake_origin.endpoint)
    header = f"If-None-Match: {etag}" if condition == "if-none-match" else f"If-Modified-Since: {LAST_MODIFIED}"
    r = fetch(edge, certs, "/c.bin", headers=[header])
    assert r.returncode == 0, str(r)
    assert r.status == 304, str(r)
    assert r.x_cache == MISS, str(r)
    assert r.age == 0, str(r)
    assert r.header("etag") == etag
    assert len(fake_origin.requests) == 1
    assert_plain_get(fake_origin.requests[0], "c.bin")
    assert_served(fetch(edge, certs, "/c.bin"), body, HIT)
    assert len(fake_origin.requests) == 1


# --------------------------------------------------------------------------
# ranges

RANGE_SIZE = 700_000


@pytest.mark.parametrize("http2", VERSIONS)
def test_ranges_on_a_hit_are_cut_from_the_cache(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                                http2: bool):
    body = random_bytes(RANGE_SIZE, 6)
    fake_origin.objects = {key_path("r.bin"): FakeOrigin.s3_object(body)}
    edge = start_edge(servers, fake_origin.endpoint)
    assert_served(fetch(edge, certs, "/r.bin", http2=http2), body, MISS)
    cases = [
        ("bytes=262000-262300", 262_000, 262_300),  # across the first chunk boundary
        ("bytes=524000-524600", 524_000, 524_600),  # across the second
        ("bytes=262144-524287", CHUNK, 2 * CHUNK - 1),  # exactly the second chunk
        ("bytes=0-0", 0, 0),
        ("bytes=-1000", RANGE_SIZE - 1000, RANGE_SIZE - 1),  # suffix
        ("bytes=-500000", RANGE_SIZE - 500_000, RANGE_SIZE - 1),  # suffix over three chunks
        ("bytes=600000-", 600_000, RANGE_SIZE - 1),  # open-ended
        ("bytes=-800000", 0, RANGE_SIZE - 1),  # suffix longer than the object
        ("bytes=699999-800000", RANGE_SIZE - 1, RANGE_SIZE - 1),  # last byte past the end
    ]
    for spec, first, last in cases:
        r = fetch(edge, certs, "/r.bin", http2=http2, headers=[f"Range: {spec}"])
        assert r.returncode == 0, f"{spec}: {r}"
        assert r.status == 206, f"{spec}: {r}"
        assert r.header("content-range") == f"bytes {first}-{last}/{RANGE_SIZE}", f"{spec}: {r.headers}"
        assert r.header("content-length") == str(last - first + 1), f"{spec}: {r.headers}"
        assert r.body == body[first:last + 1], f"{spec}: wrong bytes ({len(r.body)} bytes)"
        assert r.x_cache == HIT, f"{spec}: {r}"
    assert len(fake_origin.requests) == 1, "ranges of a cached object never reach the origin"


def test_multiple_and_unsatisfiable_ranges_on_a_hit(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    body = random_bytes(RANGE_SIZE, 7)
    fake_origin.objects = {key_path("r.bin"): FakeOrigin.s3_object(body)}
    edge = start_edge(servers, fake_origin.endpoint)
    assert_served(fetch(edge, certs, "/r.bin"), body, MISS)

    r = fetch(edge, certs, "/r.bin", headers=["Range: bytes=0-10,300000-300010"])
    assert_served(r, body, HIT)  # several ranges: the whole object
    assert r.header("content-range") is None

    for spec in ("bytes=700000-", "bytes=800000-900000"):
        r = fetch(edge, certs, "/r.bin", headers=[f"Range: {spec}"])
        assert r.returncode == 0, str(r)
        assert r.status == 416, f"{spec}: {r}"
        assert r.header("content-range") == f"bytes */{RANGE_SIZE}", f"{spec}: {r.headers}"
        assert r.x_cache in X_CACHE_VALUES, f"{spec}: {r}"
        r.age  # noqa: B018
        assert body[:1000] not in r.body
    assert len(fake_origin.requests) == 1


@pytest.mark.parametrize("http2", VERSIONS)
def test_range_on_a_miss_fetches_the_whole_object(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                                  http2: bool):
    body = random_bytes(RANGE_SIZE, 8)
    fake_origin.objects = {key_path("r.bin"): FakeOrigin.s3_object(body)}
    edge = start_edge(servers, fake_origin.endpoint)
    r = fetch(edge, certs, "/r.bin", http2=http2, headers=["Range: bytes=262000-262300"])
    assert r.returncode == 0, str(r)
    assert r.status == 206, str(r)
    assert r.x_cache == MISS, str(r)
    assert r.header("content-range") == f"bytes 262000-262300/{RANGE_SIZE}"
    assert r.body == body[262_000:262_301]
    assert len(fake_origin.requests) == 1
    assert_plain_get(fake_origin.requests[0], "r.bin")
    assert_served(fetch(edge, certs, "/r.bin", http2=http2), body, HIT)
    r = fetch(edge, certs, "/r.bin", http2=http2, headers=["Range: bytes=-10"])
    assert r.status == 206 and r.body == body[-10:] and r.x_cache == HIT, str(r)
    assert len(fake_origin.requests) == 1


# --------------------------------------------------------------------------
# collapsed fills


@pytest.mark.parametrize("http2", VERSIONS)
def test_concurrent_first_requests_make_one_origin_fetch(servers: ServerFactory, fake_origin: FakeOrigin,
                                                        certs: Certs, tmp_path: Path, http2: bool):
    """100 viewers ask for one uncached object at once (curl --parallel: 100 connections over
    HTTP/1.1, 100 streams over HTTP/2) while the origin takes ~2 s to send it: one origin GET,
    100 complete, identical bodies."""
    size, viewers = 1024 * 1024, 100
    body = random_bytes(size, 9)
    arrivals: list[float] = []
    fake_origin.objects = {key_path("hot.bin"): with_arrival_times(
        FakeOrigin.trickle(body, 65536, 0.13), arrivals)}  # 16 writes over ~2 s
    origin_busy = 15 * 0.13
    edge = start_edge(servers, fake_origin.endpoint)
    url = f"https://{HOST}:{edge.https_port}/hot.bin"
    args = ["curl", "-q", "--silent", "--show-error", "--max-time", "30", "--resolve",
            f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", str(certs.ca_bundle),
            "--http2" if http2 else "--http1.1", "--parallel", "--parallel-max", str(viewers),
            "--write-out", "%{http_code} %{exitcode} %{size_download} %{time_pretransfer} [%header{x-cache}]\\n"]
    for i in range(viewers):
        args += ["--output", str(tmp_path / f"v{i}"), url]
    launched = time.monotonic()
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    lines = result.stdout.splitlines()
    assert len(lines) == viewers, f"curl exit {result.returncode}: {result.stderr[-2000:]}"
    statuses = [line.split()[:3] for line in lines]
    assert statuses == [["200", "0", str(size)]] * viewers, f"{result.stderr[-2000:]}\n{lines}"
    wrong = [i for i in range(viewers) if (tmp_path / f"v{i}").read_bytes() != body]
    assert not wrong, f"{len(wrong)} viewers got wrong bytes: {wrong[:10]}"
    gets = origin_requests_for(fake_origin, "hot.bin")
    assert len(gets) == 1, f"{len(gets)} origin requests for one object requested 100 times at once"
    assert_plain_get(gets[0], "hot.bin")
    # The test's own premise: the requests were sent while the origin was still sending.
    sent_at = [launched + float(line.split()[3]) for line in lines]
    overlapping = sum(1 for t in sent_at if t < arrivals[0] + origin_busy)
    labels = sorted({line.split("[", 1)[1] for line in lines})
    print(f"\n{overlapping}/{viewers} requests sent while the origin was sending; X-Cache values {labels}")
    assert overlapping >= viewers * 0.9, f"only {overlapping} requests overlapped the fill: the test proves nothing"
    assert all(line.split("[", 1)[1].rstrip("]") in X_CACHE_VALUES for line in lines), labels


def test_ranges_joining_a_fill_get_their_bytes(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    """Viewers asking for different ranges of an object while its fill is still arriving (~1.5 s)
    each get exactly their bytes, from the one origin fetch."""
    body = random_bytes(RANGE_SIZE, 29)
    fake_origin.objects = {key_path("slow.bin"): FakeOrigin.trickle(body, 32768, 0.07)}
    edge = start_edge(servers, fake_origin.endpoint)
    specs = [(0, 99), (262_000, 262_300), (CHUNK, 2 * CHUNK - 1), (500_000, 699_999), (699_000, 699_999),
             (100_000, 600_000), (RANGE_SIZE - 1, RANGE_SIZE - 1), (1000, 1000)]
    replies: dict[tuple[int, int], Reply] = {}

    def ask(first: int, last: int) -> None:
        replies[(first, last)] = fetch(edge, certs, "/slow.bin", headers=[f"Range: bytes={first}-{last}"])

    threads = [threading.Thread(target=ask, args=spec) for spec in specs]
    for i, thread in enumerate(threads):
        thread.start()
        time.sleep(0.05 if i else 0.2)
    assert fake_origin.paced_answers_sent == 0, "the fill ended before the viewers asked: the test proves nothing"
    for thread in threads:
        thread.join(timeout=20)
    for (first, last), r in sorted(replies.items()):
        assert r.returncode == 0, f"{first}-{last}: {r}"
        assert r.status == 206, f"{first}-{last}: {r}"
        assert r.header("content-range") == f"bytes {first}-{last}/{RANGE_SIZE}", f"{first}-{last}: {r.headers}"
        assert r.body == body[first:last + 1], f"{first}-{last}: wrong bytes ({len(r.body)})"
    assert len(replies) == len(specs)
    assert len(origin_requests_for(fake_origin, "slow.bin")) == 1
    assert_plain_get(fake_origin.requests[0], "slow.bin")


class Progress:
    """An HTTP/1.1 response read bit by bit from a socket (head, then a Content-Length body)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.head: dict[str, str] | None = None
        self.body = b""

    def read_until(self, body_bytes: int, deadline: float) -> float | None:
        """Reads until the head and `body_bytes` body bytes are in; returns the monotonic time
        they were, or None at `deadline` (or at the end of the connection)."""
        while self.head is None or len(self.body) < body_bytes:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return None
            if not chunk:
                return None
            if self.head is not None:
                self.body += chunk
                continue
            self.buf += chunk
            if b"\r\n\r\n" in self.buf:
                raw, self.body = self.buf.split(b"\r\n\r\n", 1)
                lines = raw.decode("latin-1").split("\r\n")
                self.head = {":status": lines[0].split()[1]}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    self.head[name.strip().lower()] = value.strip()
        return time.monotonic()


def test_joiner_gets_the_bytes_already_fetched_without_waiting(servers: ServerFactory, fake_origin: FakeOrigin,
                                                               certs: Certs):
    """The origin sends the first half of a 600 000-byte object, then pauses 3 s. A second viewer
    asking during the pause gets that first half at once (not after the pause), and the rest when
    the origin sends it; the origin is asked once."""
    size, half, pause = 600_000, 300_000, 3.0
    body = random_bytes(size, 10)
    arrivals: list[float] = []
    fake_origin.objects = {key_path("half.bin"): with_arrival_times(
        FakeOrigin.pause_mid_body(body, half, pause), arrivals)}
    edge = start_edge(servers, fake_origin.endpoint)

    first_sock = tls_connect(edge.https_port)
    second_sock = None
    try:
        first_sock.sendall(http_get(path="/half.bin"))
        first = Progress(first_sock)
        at = first.read_until(half, time.monotonic() + 2.5)
        assert at is not None, f"the first viewer got {len(first.body)} bytes of the first half ({first.head})"
        assert arrivals, "the origin was not asked"
        second_sock = tls_connect(edge.https_port)
        joined = time.monotonic()
        second_sock.sendall(http_get(path="/half.bin"))
        second = Progress(second_sock)
        resume = arrivals[0] + pause
        at = second.read_until(half, resume - 0.2)
        assert second.head is not None, "the joiner got no response head during the origin's pause"
        assert second.head.get(":status") == "200", second.head
        assert second.head.get("content-length") == str(size), second.head
        assert second.head.get("x-cache") in X_CACHE_VALUES, second.head
        assert at is not None, (f"the joiner had {len(second.body)} of the {half} bytes the origin had sent, "
                                f"{resume - 0.2 - joined:.1f} s after asking (the origin was still pausing)")
        assert second.body == body[:half]
        print(f"\nthe joiner had the first half {at - joined:.2f} s after asking, "
              f"{resume - at:.2f} s before the origin resumed")
        # Both complete once the origin sends the rest.
        assert first.read_until(size, time.monotonic() + 8) is not None, f"first viewer: {len(first.body)} bytes"
        assert second.read_until(size, time.monotonic() + 8) is not None, f"joiner: {len(second.body)} bytes"
        assert first.body == body and second.body == body
    finally:
        first_sock.close()
        if second_sock is not None:
            second_sock.close()
    assert len(origin_requests_for(fake_origin, "half.bin")) == 1


# --------------------------------------------------------------------------
# viewers leaving, and fills failing


@pytest.mark.parametrize("http2", VERSIONS)
def test_viewer_leaving_mid_body_does_not_abort_the_fill(servers: ServerFactory, fake_origin: FakeOrigin,
                                                         certs: Certs, http2: bool):
    size = 2 * 1024 * 1024
    body = random_bytes(size, 11)
    fake_origin.objects = {key_path("leave.bin"): FakeOrigin.trickle(body, 65536, 0.04)}  # ~1.3 s
    edge = start_edge(servers, fake_origin.endpoint)
    r = fetch(edge, certs, "/leave.bin", http2=http2, extra=["--max-time", "0.5"])
    assert r.returncode == 28, f"the viewer was meant to give up after 0.5 s: {r}"
    assert len(r.body) < size
    finished = wait_until(lambda: fake_origin.paced_answers_sent == 1, timeout=6)
    assert finished, (f"the origin could not finish sending after the viewer left ({fake_origin.send_errors}): "
                      "the fill was abandoned")
    time.sleep(0.3)  # let the fill commit
    after = fetch(edge, certs, "/leave.bin", http2=http2)
    assert_served(after, body, HIT)
    assert len(fake_origin.requests) == 1


def test_joiner_completes_when_the_viewer_that_started_the_fill_leaves(servers: ServerFactory,
                                                                       fake_origin: FakeOrigin, certs: Certs,
                                                                       tmp_path: Path):
    size = 2 * 1024 * 1024
    body = random_bytes(size, 30)
    fake_origin.objects = {key_path("shared.bin"): FakeOrigin.trickle(body, 65536, 0.04)}  # ~1.3 s
    edge = start_edge(servers, fake_origin.endpoint)
    base = ["curl", "-q", "--silent", "--show-error", "--resolve", f"{HOST}:{edge.https_port}:127.0.0.1",
            "--cacert", str(certs.ca_bundle), "--http1.1", "--write-out", "%{http_code} %{exitcode}"]
    url = f"https://{HOST}:{edge.https_port}/shared.bin"
    starter = subprocess.Popen([*base, "--max-time", "0.6", "--output", str(tmp_path / "a"), url],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    time.sleep(0.3)
    joiner = subprocess.Popen([*base, "--max-time", "10", "--output", str(tmp_path / "b"), url],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert starter.communicate(timeout=10)[0] == "200 28", "the first viewer was meant to leave after 0.6 s"
    assert joiner.communicate(timeout=15)[0] == "200 0", "the joiner's transfer did not complete"
    assert (tmp_path / "b").read_bytes() == body
    assert len(origin_requests_for(fake_origin, "shared.bin")) == 1
    time.sleep(0.3)
    assert_served(fetch(edge, certs, "/shared.bin"), body, HIT)


def test_slow_viewer_does_not_hold_back_a_fast_one(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                                   tmp_path: Path):
    """One fill, two viewers: one reading at 500 kB/s (8 s for the 4 MiB object), one at full
    speed. The fast one is done in about the time the origin takes, not at the slow one's pace,
    and the object is cached when the origin is done."""
    size = 4 * 1024 * 1024
    body = random_bytes(size, 31)
    fake_origin.objects = {key_path("big.bin"): FakeOrigin.trickle(body, 262144, 0.03)}  # ~0.5 s
    edge = start_edge(servers, fake_origin.endpoint)
    url = f"https://{HOST}:{edge.https_port}/big.bin"
    slow = subprocess.Popen(["curl", "-q", "--silent", "--http1.1", "--limit-rate", "500K", "--max-time", "15",
                             "--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", str(certs.ca_bundle),
                             "--output", str(tmp_path / "slow"), url], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.2)
        fast = fetch(edge, certs, "/big.bin")
        assert fast.returncode == 0 and fast.status == 200 and fast.body == body, str(fast)
        assert fast.elapsed < 3, f"the fast viewer took {fast.elapsed:.1f} s: it went at the slow viewer's pace"
        assert wait_until(lambda: fake_origin.paced_answers_sent == 1, timeout=3), (
            "the origin was still sending: the fill went at the slow viewer's pace")
        time.sleep(0.3)
        assert_served(fetch(edge, certs, "/big.bin"), body, HIT)
        assert len(origin_requests_for(fake_origin, "big.bin")) == 1
    finally:
        slow.kill()
        slow.wait()


@pytest.mark.parametrize("http2", VERSIONS)
@pytest.mark.parametrize("fault", ["close", "reset"])
def test_fill_that_breaks_off_is_not_cached(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                            tmp_path: Path, fault: str, http2: bool):
    """The origin sends 50 000 of 200 000 bytes, pauses 1 s, then closes or resets. The viewer
    that started the fill and one that joined it both see an incomplete transfer; nothing is
    cached: the next request is a miss that reaches the origin."""
    size, sent = 200_000, 50_000
    body = random_bytes(size, 12)
    fake_origin.objects = {key_path("broken.bin"): FakeOrigin.pause_mid_body(body, sent, 1.0, then=fault)}
    edge = start_edge(servers, fake_origin.endpoint)
    base = ["curl", "-q", "--silent", "--show-error", "--max-time", "10", "--resolve",
            f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", str(certs.ca_bundle),
            "--http2" if http2 else "--http1.1", "--write-out", "%{http_code} %{size_download}"]
    url = f"https://{HOST}:{edge.https_port}/broken.bin"
    viewers = [subprocess.Popen([*base, "--output", str(tmp_path / "a"), url], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)]
    time.sleep(0.4)
    viewers.append(subprocess.Popen([*base, "--output", str(tmp_path / "b"), url], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True))
    for name, viewer in zip("ab", viewers):
        out, err = viewer.communicate(timeout=15)
        print(f"\nviewer {name}: curl exit {viewer.returncode} {out} {err.strip()}")
        assert viewer.returncode == incomplete(http2), f"viewer {name}: curl exit {viewer.returncode} {out} {err}"
        got = (tmp_path / name).read_bytes() if (tmp_path / name).exists() else b""
        assert len(got) < size and got == body[:len(got)], f"viewer {name}: {len(got)} bytes"
    assert len(origin_requests_for(fake_origin, "broken.bin")) == 1, "one fill for both viewers"

    fake_origin.objects = {key_path("broken.bin"): FakeOrigin.s3_object(body)}
    r = fetch(edge, certs, "/broken.bin", http2=http2)
    assert_served(r, body, MISS)
    requests = origin_requests_for(fake_origin, "broken.bin")
    assert len(requests) == 2, "after a failed fill the next request must reach the origin"
    assert_plain_get(requests[1], "broken.bin")
    assert_served(fetch(edge, certs, "/broken.bin", http2=http2), body, HIT)


# --------------------------------------------------------------------------
# TTLs and revalidation


def test_expired_object_is_revalidated_and_served_as_refresh_hit(servers: ServerFactory, fake_origin: FakeOrigin,
                                                                 certs: Certs):
    body = random_bytes(20_000, 13)
    # max-age=2 rather than 1: the request after the revalidation must come within its lifetime.
    fake_origin.objects = {key_path("ttl.bin"): FakeOrigin.s3_object(body, extra=[("Cache-Control", "max-age=2")])}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0})
    miss = fetch(edge, certs, "/ttl.bin")
    assert_served(miss, body, MISS)
    assert_served(fetch(edge, certs, "/ttl.bin"), body, HIT)
    assert len(fake_origin.requests) == 1
    time.sleep(3.2)

    r = fetch(edge, certs, "/ttl.bin")
    assert_served(r, body, REFRESH_HIT)
    assert r.age <= 1, f"Age counts from the revalidation: {r}"
    assert r.header("etag") == miss.header("etag")
    assert len(fake_origin.requests) == 2
    check = fake_origin.requests[1]
    assert check.method == "GET" and check.path == key_path("ttl.bin")
    assert check.header("if-none-match") == miss.header("etag"), f"no If-None-Match: {check.raw!r}"
    assert check.header("range") is None

    refreshed = time.monotonic()
    r = fetch(edge, certs, "/ttl.bin")  # fresh again for two seconds
    assert r.x_cache == HIT, (f"{r}, {time.monotonic() - refreshed:.2f} s after the RefreshHit; origin requests: "
                              f"{[(q.method, q.header('if-none-match')) for q in fake_origin.requests]}")
    assert_served(r, body, HIT)
    assert len(fake_origin.requests) == 2


def test_expired_object_changed_at_the_origin_is_replaced(servers: ServerFactory, fake_origin: FakeOrigin,
                                                          certs: Certs):
    old, new = random_bytes(20_000, 14), random_bytes(30_000, 15)
    cache_control = [("Cache-Control", "max-age=1")]
    fake_origin.objects = {key_path("v.bin"): FakeOrigin.s3_object(old, extra=cache_control)}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0})
    first = fetch(edge, certs, "/v.bin")
    assert_served(first, old, MISS)
    time.sleep(2.2)
    fake_origin.objects = {key_path("v.bin"): FakeOrigin.s3_object(
        new, last_modified="Wed, 02 Oct 2024 10:00:00 GMT", extra=cache_control)}

    r = fetch(edge, certs, "/v.bin")
    assert_served(r, new, MISS)
    assert r.header("etag") != first.header("etag")
    assert r.header("content-length") == str(len(new))
    assert len(fake_origin.requests) == 2
    assert fake_origin.requests[1].header("if-none-match") == first.header("etag")
    assert_served(fetch(edge, certs, "/v.bin"), new, HIT)
    assert len(fake_origin.requests) == 2


def test_concurrent_requests_for_an_expired_object_revalidate_once(servers: ServerFactory,
                                                                   fake_origin: FakeOrigin, certs: Certs):
    """Ten viewers ask for an expired object while its revalidation (answered after 1.5 s) is in
    flight: one conditional request reaches the origin, and all ten get the object."""
    body = random_bytes(20_000, 32)
    s3 = FakeOrigin.s3_object(body, extra=[("Cache-Control", "max-age=2")])

    def slow_304(request: RecordedRequest) -> Answer:
        answer = s3(request)
        if request.header("if-none-match"):
            answer.first_byte_delay = 1.5
        return answer

    fake_origin.objects = {key_path("x.bin"): slow_304}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0})
    assert_served(fetch(edge, certs, "/x.bin"), body, MISS)
    time.sleep(3.2)
    replies: list[Reply] = []
    threads = [threading.Thread(target=lambda: replies.append(fetch(edge, certs, "/x.bin"))) for _ in range(10)]
    for thread in threads:
        thread.start()
        time.sleep(0.03)
    for thread in threads:
        thread.join(timeout=20)
    assert len(replies) == 10
    for r in replies:
        assert r.returncode == 0 and r.status == 200 and r.body == body, str(r)
        assert r.x_cache in (REFRESH_HIT, HIT), str(r)
    requests = origin_requests_for(fake_origin, "x.bin")
    assert len(requests) == 2, f"{len(requests) - 1} origin requests to revalidate one object"


@pytest.mark.parametrize("directive", ["no-store", "no-cache", "private", "Expires: 0",
                                       "Expires: Thu, 01 Jan 2015 00:00:00 GMT"])
@pytest.mark.parametrize("min_ttl", [0, 5])
def test_origin_directives_against_min_ttl(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                           directive: str, min_ttl: int):
    """`no-store`, `no-cache`, `private` (and, per docs/configuration.md, an `Expires` in the past
    or unreadable) keep an object out of the cache when min_ttl is 0; min_ttl 5 caches it anyway
    (CloudFront)."""
    body = random_bytes(3000, 16)
    header = ("Expires", directive.split(": ", 1)[1]) if directive.startswith("Expires") else ("Cache-Control", directive)
    fake_origin.objects = {key_path("d.bin"): FakeOrigin.s3_object(body, extra=[header])}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": min_ttl})
    assert_served(fetch(edge, certs, "/d.bin"), body, MISS)
    if min_ttl == 0:
        for _ in range(2):
            assert_served(fetch(edge, certs, "/d.bin"), body, MISS)
        requests = origin_requests_for(fake_origin, "d.bin")
        assert len(requests) == 3, f"{header} with min_ttl 0 must not be cached"
        for request in requests:
            assert_plain_get(request, "d.bin")
    else:
        assert_served(fetch(edge, certs, "/d.bin"), body, HIT)
        assert len(origin_requests_for(fake_origin, "d.bin")) == 1


@pytest.mark.parametrize("http2", VERSIONS)
def test_max_age_0_is_revalidated_on_every_request(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                                   http2: bool):
    """`max-age=0` with min_ttl 0 is an explicit lifetime of zero: the object is stored, stale at
    once, and every later request asks the origin whether it changed (CloudFront: "before
    CloudFront sends another request to the origin to see if the object has been updated") with
    its ETag. A 304 serves the stored body (RefreshHit): no body crosses from the origin again."""
    body = random_bytes(3000, 17)
    fake_origin.objects = {key_path("z.bin"): FakeOrigin.s3_object(body, extra=[("Cache-Control", "max-age=0")])}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0})
    first = fetch(edge, certs, "/z.bin", http2=http2)
    assert_served(first, body, MISS)
    for _ in range(2):
        r = fetch(edge, certs, "/z.bin", http2=http2)
        assert_served(r, body, REFRESH_HIT)
        assert r.age == 0, str(r)
    requests = origin_requests_for(fake_origin, "z.bin")
    assert len(requests) == 3, [q.raw for q in requests]
    assert_plain_get(requests[0], "z.bin")
    for check in requests[1:]:
        assert check.method == "GET" and check.header("if-none-match") == first.header("etag"), check.raw


def with_expires(behaviour, seconds: int):
    """`behaviour`, with `Expires` `seconds` after the answer's Date (both in whole seconds, taken
    when the request arrives, as the fake origin dates its answers)."""
    def answer(request: RecordedRequest) -> Answer:
        a = behaviour(request)
        expires = time.gmtime(int(time.time()) + seconds)
        a.headers.append(("Expires", time.strftime("%a, %d %b %Y %H:%M:%S GMT", expires)))
        return a
    return answer


@pytest.mark.parametrize("policy,cache_control,expired", [
    pytest.param({"min_ttl": 0}, "max-age=1", True, id="max-age"),
    pytest.param({"min_ttl": 0}, "Expires: +2", True, id="expires"),
    pytest.param({"min_ttl": 0}, "Expires: +3600", False, id="expires-later"),
    pytest.param({"min_ttl": 0}, "max-age=3600; Expires: +2", False, id="max-age-wins-over-expires"),
    pytest.param({"min_ttl": 0}, "s-maxage=1, max-age=3600", True, id="s-maxage-wins"),
    pytest.param({"min_ttl": 0, "default_ttl": 1, "max_ttl": 1}, "max-age=3600", True, id="max_ttl-clamps"),
    pytest.param({"min_ttl": 0, "default_ttl": 1, "max_ttl": 3600}, None, True, id="default_ttl"),
    pytest.param({"min_ttl": 0}, "max-age=3600", False, id="long-max-age"),
    pytest.param({}, None, False, id="default-policy"),
    pytest.param({"min_ttl": 5}, "max-age=1", False, id="min_ttl-raises"),
])
def test_ttl_rules(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, policy: dict,
                   cache_control: str | None, expired: bool):
    """2.2 s after the miss, the object has expired (the next request revalidates at the origin)
    or not (a hit, the origin untouched), as CloudFront's TTL rules say. ("Expires: +2": an
    Expires header two seconds after the answer's Date.)"""
    body = random_bytes(5000, 17)
    extra, expires = [], None
    for item in (cache_control or "").split("; "):  # a Cache-Control value; Expires: +seconds after Date
        if item.startswith("Expires: +"):
            expires = int(item.removeprefix("Expires: +"))
        elif item:
            extra.append(("Cache-Control", item))
    behaviour = FakeOrigin.s3_object(body, extra=extra)
    fake_origin.objects = {key_path("t.bin"): behaviour if expires is None else with_expires(behaviour, expires)}
    edge = start_edge(servers, fake_origin.endpoint, policy=policy)
    miss = fetch(edge, certs, "/t.bin")
    assert_served(miss, body, MISS)
    assert_served(fetch(edge, certs, "/t.bin"), body, HIT)
    time.sleep(2.2)
    r = fetch(edge, certs, "/t.bin")
    requests = origin_requests_for(fake_origin, "t.bin")
    if expired:
        assert len(requests) == 2, f"expected a revalidation after 2.2 s: {r}"
        assert requests[1].header("if-none-match") == miss.header("etag"), requests[1].raw
        assert_served(r, body, REFRESH_HIT)
    else:
        assert_served(r, body, HIT)
        assert len(requests) == 1, "the object was still fresh"
        assert r.age >= 2, str(r)


def test_max_ttl_0_turns_caching_off(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    """`max_ttl: 0` (CachingDisabled): every request reaches the origin as the viewer sent it,
    Range and conditionals included."""
    body = random_bytes(RANGE_SIZE, 18)
    behaviour = FakeOrigin.s3_object(body, extra=[("Cache-Control", "max-age=3600")])
    fake_origin.objects = {key_path("off.bin"): behaviour}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0, "default_ttl": 0, "max_ttl": 0})
    first = fetch(edge, certs, "/off.bin")
    assert_served(first, body, MISS)
    assert_served(fetch(edge, certs, "/off.bin"), body, MISS)
    assert len(fake_origin.requests) == 2

    r = fetch(edge, certs, "/off.bin", headers=["Range: bytes=262000-262300"])
    assert r.status == 206 and r.body == body[262_000:262_301], str(r)
    assert r.header("content-range") == f"bytes 262000-262300/{RANGE_SIZE}"
    assert r.x_cache == MISS, str(r)
    assert fake_origin.requests[2].header("range") == "bytes=262000-262300", fake_origin.requests[2].raw

    etag = first.header("etag")
    r = fetch(edge, certs, "/off.bin", headers=[f"If-None-Match: {etag}"])
    assert r.status == 304, str(r)
    assert r.x_cache == MISS, str(r)
    assert fake_origin.requests[3].header("if-none-match") == etag, fake_origin.requests[3].raw

    r = fetch(edge, certs, "/off.bin", head=True)
    assert r.status == 200 and r.header("content-length") == str(RANGE_SIZE), str(r)
    assert [q.method for q in fake_origin.requests] == ["GET", "GET", "GET", "GET", "HEAD"]


# --------------------------------------------------------------------------
# stale content


def test_stale_while_revalidate_answers_at_once_and_revalidates_in_the_background(
        servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    body = random_bytes(20_000, 19)
    cache_control = [("Cache-Control", "max-age=1, stale-while-revalidate=30")]
    s3 = FakeOrigin.s3_object(body, extra=cache_control)

    def slow_revalidation(request: RecordedRequest) -> Answer:
        answer = s3(request)
        if request.header("if-none-match") or request.header("if-modified-since"):
            answer.first_byte_delay = 3.0
        return answer

    fake_origin.objects = {key_path("swr.bin"): slow_revalidation}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0})
    miss = fetch(edge, certs, "/swr.bin")
    assert_served(miss, body, MISS)
    time.sleep(2.2)

    for _ in range(2):  # the second while the background revalidation is still waiting for the origin
        r = fetch(edge, certs, "/swr.bin")
        assert_served(r, body, HIT)
        assert r.age >= 1, str(r)
        assert r.elapsed < 1.5, f"answered after {r.elapsed:.2f} s: it waited for the revalidation"
    assert wait_until(lambda: len(fake_origin.requests) >= 2, timeout=3), "no background revalidation"
    time.sleep(0.5)
    assert len(fake_origin.requests) == 2, [q.raw for q in fake_origin.requests]
    check = fake_origin.requests[1]
    assert check.method == "GET" and check.header("if-none-match") == miss.header("etag"), check.raw


def test_stale_while_revalidate_picks_up_a_changed_object(servers: ServerFactory, fake_origin: FakeOrigin,
                                                          certs: Certs):
    """The background revalidation finds a new object (200): the stale one is served meanwhile,
    the new one afterwards, from the cache."""
    old, new = random_bytes(20_000, 37), random_bytes(25_000, 38)
    cache_control = [("Cache-Control", "max-age=1, stale-while-revalidate=30")]
    fake_origin.objects = {key_path("swr.bin"): FakeOrigin.s3_object(old, extra=cache_control)}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0})
    assert_served(fetch(edge, certs, "/swr.bin"), old, MISS)
    time.sleep(2.2)
    fake_origin.objects = {key_path("swr.bin"): FakeOrigin.s3_object(
        new, last_modified="Wed, 02 Oct 2024 10:00:00 GMT",
        extra=[("Cache-Control", "max-age=60, stale-while-revalidate=30")])}
    assert_served(fetch(edge, certs, "/swr.bin"), old, HIT)
    assert wait_until(lambda: len(fake_origin.requests) >= 2, timeout=3), "no background revalidation"
    time.sleep(0.5)  # let the new object be stored
    r = fetch(edge, certs, "/swr.bin")
    assert_served(r, new, HIT)
    assert r.header("content-length") == str(len(new))
    assert len(fake_origin.requests) == 2


@pytest.mark.parametrize("cache_control,failure,status,x_cache", [
    pytest.param("max-age=1, stale-if-error=60", "500", 200, HIT, id="stale-if-error-500"),
    pytest.param("max-age=1, stale-if-error=60", "stopped", 200, HIT, id="stale-if-error-stopped"),
    pytest.param("max-age=1", "500", 502, ERROR, id="500"),
    pytest.param("max-age=1", "503", 503, ERROR, id="503"),
    pytest.param("max-age=1", "stopped", 502, ERROR, id="stopped"),
])
def test_expired_object_when_the_origin_fails(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                              cache_control: str, failure: str, status: int, x_cache: str):
    body = random_bytes(20_000, 20)
    fake_origin.objects = {key_path("sie.bin"): FakeOrigin.s3_object(body, extra=[("Cache-Control", cache_control)])}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0})
    assert_served(fetch(edge, certs, "/sie.bin"), body, MISS)
    time.sleep(2.2)
    if failure == "stopped":
        fake_origin.close()
    else:
        xml = b"<?xml version=\"1.0\"?><Error><Code>InternalError</Code></Error>"
        fake_origin.objects = {key_path("sie.bin"): FakeOrigin.status(int(failure), xml)}
    r = fetch(edge, certs, "/sie.bin")
    if status == 200:
        assert_served(r, body, x_cache)
        assert r.age >= 2, str(r)
    else:
        assert r.returncode == 0, str(r)
        assert r.status == status, str(r)
        assert r.x_cache == x_cache, str(r)
        assert body[:100] not in r.body and b"InternalError" not in r.body
    if failure != "stopped":
        assert len(fake_origin.requests) == 2


# --------------------------------------------------------------------------
# origin errors


@pytest.mark.parametrize("origin_status,viewer_status", [(403, 403), (404, 404), (500, 502), (503, 503)])
def test_origin_errors_are_cached_for_error_caching_min_ttl(servers: ServerFactory, fake_origin: FakeOrigin,
                                                            certs: Certs, origin_status: int, viewer_status: int):
    fake_origin.objects = {key_path("missing.txt"): FakeOrigin.status(origin_status, b"<Error/>")}
    edge = start_edge(servers, fake_origin.endpoint, error_caching_min_ttl=10)
    for _ in range(3):
        r = fetch(edge, certs, "/missing.txt")
        assert r.returncode == 0, str(r)
        assert r.status == viewer_status, str(r)
        assert r.x_cache == ERROR, str(r)
        r.age  # noqa: B018
        assert r.header("server") == "s3edge"
    assert len(fake_origin.requests) == 1, "the error was not cached for error_caching_min_ttl"


def test_error_caching_min_ttl_0_does_not_cache_errors(servers: ServerFactory, fake_origin: FakeOrigin,
                                                       certs: Certs):
    fake_origin.objects = {key_path("missing.txt"): FakeOrigin.status(404, b"<Error/>")}
    edge = start_edge(servers, fake_origin.endpoint, error_caching_min_ttl=0)
    for _ in range(3):
        r = fetch(edge, certs, "/missing.txt")
        assert r.status == 404 and r.x_cache == ERROR, str(r)
    assert len(fake_origin.requests) == 3


def test_origin_error_with_its_own_max_age_is_cached_for_it(servers: ServerFactory, fake_origin: FakeOrigin,
                                                             certs: Certs):
    """error_caching_min_ttl 0, but the origin's 404 says max-age=60: that longer time counts."""
    fake_origin.objects = {key_path("gone.txt"): FakeOrigin.status(404, b"<Error/>",
                                                                   headers=[("Cache-Control", "max-age=60")])}
    edge = start_edge(servers, fake_origin.endpoint, error_caching_min_ttl=0)
    for _ in range(3):
        r = fetch(edge, certs, "/gone.txt")
        assert r.status == 404 and r.x_cache == ERROR, str(r)
    assert len(fake_origin.requests) == 1


def test_cached_error_expires_and_the_object_then_shows(servers: ServerFactory, fake_origin: FakeOrigin,
                                                        certs: Certs):
    """A 404 cached for error_caching_min_ttl (1 s): once it expires, the object uploaded meanwhile
    is served."""
    fake_origin.objects = {key_path("late.txt"): FakeOrigin.status(404, b"<Error/>")}
    edge = start_edge(servers, fake_origin.endpoint, error_caching_min_ttl=1)
    for _ in range(2):
        r = fetch(edge, certs, "/late.txt")
        assert r.status == 404 and r.x_cache == ERROR, str(r)
    assert len(fake_origin.requests) == 1
    body = b"uploaded at last\n"
    fake_origin.objects = {key_path("late.txt"): FakeOrigin.s3_object(body)}
    time.sleep(2.2)
    assert_served(fetch(edge, certs, "/late.txt"), body, MISS)
    assert len(fake_origin.requests) == 2


@pytest.mark.parametrize("http2", VERSIONS)
def test_unreachable_origin_is_502_error(servers: ServerFactory, certs: Certs, http2: bool):
    edge = start_edge(servers, f"http://127.0.0.1:{free_port()}")
    r = fetch(edge, certs, "/x.txt", http2=http2)
    assert r.returncode == 0, str(r)
    assert r.status == 502, str(r)
    assert r.x_cache == ERROR, str(r)
    assert r.age == 0, str(r)


# --------------------------------------------------------------------------
# max_object_size


def test_objects_over_max_object_size_are_served_but_not_cached(servers: ServerFactory, fake_origin: FakeOrigin,
                                                                certs: Certs):
    big, small, limit = random_bytes(200_000, 21), random_bytes(50_000, 22), random_bytes(100_000, 34)
    fake_origin.objects = {key_path("big.bin"): FakeOrigin.s3_object(big),
                           key_path("small.bin"): FakeOrigin.s3_object(small),
                           key_path("limit.bin"): FakeOrigin.s3_object(limit)}
    edge = start_edge(servers, fake_origin.endpoint, max_object_size=100_000)
    replies = [fetch(edge, certs, "/big.bin") for _ in range(3)]
    asked = len(origin_requests_for(fake_origin, "big.bin"))
    assert asked == 3, f"{asked} origin requests for 3 requests (X-Cache {[r.x_cache for r in replies]})"
    for r in replies:
        assert_served(r, big, MISS)
    for key, body in (("small.bin", small), ("limit.bin", limit)):  # at most max_object_size: cached
        assert_served(fetch(edge, certs, f"/{key}"), body, MISS)
        assert_served(fetch(edge, certs, f"/{key}"), body, HIT)
        assert len(origin_requests_for(fake_origin, key)) == 1


def test_objects_over_a_quarter_of_the_cache_are_served_but_not_cached(servers: ServerFactory,
                                                                       fake_origin: FakeOrigin, certs: Certs):
    """cache.max_size 16MiB (max_object_size left at 1GiB): the largest object kept is a quarter
    of it, so a 5 MiB object is served whole every time and never cached; a 3 MiB one is cached."""
    big, fits = random_bytes(5 * 1024 * 1024, 35), random_bytes(3 * 1024 * 1024, 36)
    fake_origin.objects = {key_path("big.bin"): FakeOrigin.s3_object(big),
                           key_path("fits.bin"): FakeOrigin.s3_object(fits)}
    edge = start_edge(servers, fake_origin.endpoint, cache_settings={"max_size": "16MiB"})
    replies = [fetch(edge, certs, "/big.bin") for _ in range(3)]
    asked = len(origin_requests_for(fake_origin, "big.bin"))
    assert asked == 3, f"{asked} origin requests for 3 requests (X-Cache {[r.x_cache for r in replies]})"
    for r in replies:
        assert_served(r, big, MISS)
    assert_served(fetch(edge, certs, "/fits.bin"), fits, MISS)
    assert_served(fetch(edge, certs, "/fits.bin"), fits, HIT)
    assert len(origin_requests_for(fake_origin, "fits.bin")) == 1


def test_cache_full_evicts_and_keeps_serving_the_right_bytes(servers: ServerFactory, fake_origin: FakeOrigin,
                                                             certs: Certs):
    """cache.max_size 16MiB and 40 objects of 1 MiB asked for twice: room is made by evicting,
    every answer has the right bytes, and what is asked again right away is still a hit."""
    bodies = {f"e{i}.bin": random_bytes(1024 * 1024, 200 + i) for i in range(40)}
    fake_origin.objects = {key_path(k): FakeOrigin.s3_object(b) for k, b in bodies.items()}
    edge = start_edge(servers, fake_origin.endpoint, cache_settings={"max_size": "16MiB"})
    labels = {}
    for round_ in range(2):
        for key, body in bodies.items():
            r = fetch(edge, certs, f"/{key}")
            assert r.returncode == 0 and r.status == 200 and r.body == body, f"{key}: {r}"
            labels[(round_, key)] = r.x_cache
            if round_ == 0:
                assert r.x_cache == MISS, f"{key}: {r}"
                again = fetch(edge, certs, f"/{key}")
                if again.x_cache != HIT:
                    pytest.fail(f"{key} asked again right after its miss: {again}; s3edge's log:\n{edge.log()[-4000:]}")
                assert_served(again, body, HIT)
    second = [labels[(1, k)] for k in bodies]
    assert second.count(MISS) >= 20, f"40 MiB of objects in a 16 MiB cache, yet {second.count(HIT)} hits: {second}"
    assert second.count(HIT) + second.count(MISS) == len(second), second
    assert len(fake_origin.requests) == 40 + second.count(MISS)


@pytest.mark.parametrize("http2", VERSIONS)
def test_slow_hit_keeps_its_bytes_while_its_entry_is_replaced(servers: ServerFactory, fake_origin: FakeOrigin,
                                                              certs: Certs, tmp_path: Path, http2: bool):
    """A viewer reads a 3.5 MiB hit at 1 MB/s. Meanwhile the object expires, the origin has new
    bytes, the next request stores them under the same key, and 40 MiB of other objects go
    through the 16 MiB cache (reusing the space the old bytes had). The slow viewer gets exactly
    the object it started on, or an incomplete transfer: never other bytes."""
    size = 3 * 1024 * 1024 + 512 * 1024
    old, new = random_bytes(size, 39), random_bytes(size, 40)
    cache_control = [("Cache-Control", "max-age=1")]
    others = {f"churn{i}.bin": random_bytes(1024 * 1024, 300 + i) for i in range(40)}
    fake_origin.objects = {key_path("target.bin"): FakeOrigin.s3_object(old, extra=cache_control),
                           **{key_path(k): FakeOrigin.s3_object(b) for k, b in others.items()}}
    edge = start_edge(servers, fake_origin.endpoint, policy={"min_ttl": 0}, cache_settings={"max_size": "16MiB"})
    assert_served(fetch(edge, certs, "/target.bin"), old, MISS)
    started = time.monotonic()
    slow = subprocess.Popen(
        ["curl", "-q", "--silent", "--http2" if http2 else "--http1.1", "--limit-rate", "1M", "--max-time", "20",
         "--write-out", "%{http_code} %{exitcode} [%header{x-cache}]", "--resolve",
         f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", str(certs.ca_bundle),
         "--output", str(tmp_path / "slow"), f"https://{HOST}:{edge.https_port}/target.bin"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        fake_origin.objects[key_path("target.bin")] = FakeOrigin.s3_object(
            new, last_modified="Wed, 02 Oct 2024 10:00:00 GMT", extra=[("Cache-Control", "max-age=600")])
        time.sleep(1.3)
        assert_served(fetch(edge, certs, "/target.bin"), new, MISS)  # expired, replaced by the new bytes
        assert slow.poll() is None, "the slow viewer was done before the replacement: the test proves nothing"
        for key, body in others.items():
            r = fetch(edge, certs, f"/{key}")
            assert r.returncode == 0 and r.body == body, f"{key}: {r}"
        churned = time.monotonic() - started
        out, _ = slow.communicate(timeout=20)
    finally:
        if slow.poll() is None:
            slow.kill()
            slow.wait()
    got = (tmp_path / "slow").read_bytes()
    print(f"\nslow hit: {out}, {len(got)} of {size} bytes in {time.monotonic() - started:.1f} s; "
          f"replaced and churned by {churned:.1f} s")
    assert out.endswith(f"[{HIT}]"), out
    if out.startswith("200 0 "):
        assert got == old, f"a complete transfer with other bytes ({len(got)} bytes)"
    else:
        assert len(got) < size and got == old[:len(got)], f"{len(got)} bytes, not a prefix of the object"
    after = fetch(edge, certs, "/target.bin")  # the new bytes (still cached, or evicted by the churn)
    assert after.returncode == 0 and after.status == 200 and after.body == new, str(after)


# --------------------------------------------------------------------------
# the cache key


def echo_target(request: RecordedRequest) -> Answer:
    """An object whose body names the request target the origin got (so bodies tell keys apart)."""
    return object_answer(f"object for {request.target}\n".encode(), content_type="text/plain")(request)


def query_of(request: RecordedRequest) -> list[tuple[str, str]]:
    return sorted(parse_qsl(request.target.partition("?")[2], keep_blank_values=True))


def test_query_strings_none_share_one_entry_and_are_not_forwarded(servers: ServerFactory,
                                                                   fake_origin: FakeOrigin, certs: Certs):
    fake_origin.behaviour = echo_target
    edge = start_edge(servers, fake_origin.endpoint, policy={"query_strings": "none"})
    body = f"object for {key_path('q.txt')}\n".encode()
    assert_served(fetch(edge, certs, "/q.txt?v=1"), body, MISS)
    assert_served(fetch(edge, certs, "/q.txt?v=2"), body, HIT)
    assert_served(fetch(edge, certs, "/q.txt"), body, HIT)
    assert_served(fetch(edge, certs, "/q.txt?acl&versionId=abc"), body, HIT)
    assert [q.target for q in fake_origin.requests] == [key_path("q.txt")]


def test_query_strings_all_are_keyed_and_forwarded_except_s3_parameters(servers: ServerFactory,
                                                                        fake_origin: FakeOrigin, certs: Certs):
    fake_origin.behaviour = echo_target
    edge = start_edge(servers, fake_origin.endpoint, policy={"query_strings": "all"})
    v1 = fetch(edge, certs, "/q.txt?v=1")
    assert v1.status == 200 and v1.x_cache == MISS, str(v1)
    v2 = fetch(edge, certs, "/q.txt?v=2")
    assert v2.status == 200 and v2.x_cache == MISS, str(v2)
    assert v1.body != v2.body
    assert_served(fetch(edge, certs, "/q.txt?v=1"), v1.body, HIT)
    assert [query_of(q) for q in fake_origin.requests] == [[("v", "1")], [("v", "2")]]

    ab = fetch(edge, certs, "/q.txt?b=2&a=1")
    assert ab.x_cache == MISS, str(ab)
    assert_served(fetch(edge, certs, "/q.txt?a=1&b=2"), ab.body, HIT)  # parameters are sorted in the key
    assert query_of(fake_origin.requests[-1]) == [("a", "1"), ("b", "2")]

    n = len(fake_origin.requests)
    s3_params = ("acl&tagging&versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY&response-content-type=text%2Fhtml"
                 "&response-content-disposition=attachment&x-amz-date=20240101T000000Z&X-Amz-Expires=60"
                 "&partNumber=1&attributes")
    r = fetch(edge, certs, f"/q.txt?w=3&{s3_params}")
    assert r.status == 200, str(r)
    assert r.header("content-type") == "text/plain", "response-content-type must not reach S3"
    forwarded = fake_origin.requests[n:]
    assert len(forwarded) == 1
    assert query_of(forwarded[0]) == [("w", "3")], f"S3 parameters reached the origin: {forwarded[0].target}"


def test_query_strings_list_keys_and_forwards_only_those(servers: ServerFactory, fake_origin: FakeOrigin,
                                                         certs: Certs):
    fake_origin.behaviour = echo_target
    edge = start_edge(servers, fake_origin.endpoint, policy={"query_strings": ["v"]})
    first = fetch(edge, certs, "/q.txt?v=1&w=1")
    assert first.x_cache == MISS, str(first)
    assert_served(fetch(edge, certs, "/q.txt?v=1&w=2"), first.body, HIT)
    assert_served(fetch(edge, certs, "/q.txt?w=9&v=1"), first.body, HIT)
    other = fetch(edge, certs, "/q.txt?v=2&w=1")
    assert other.x_cache == MISS and other.body != first.body, str(other)
    assert [query_of(q) for q in fake_origin.requests] == [[("v", "1")], [("v", "2")]]


def test_keyed_header_splits_the_cache(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    fake_origin.behaviour = echo_target
    edge = start_edge(servers, fake_origin.endpoint, policy={"headers": ["x-variant"]})
    assert fetch(edge, certs, "/k.txt", headers=["X-Variant: a"]).x_cache == MISS
    assert fetch(edge, certs, "/k.txt", headers=["X-Variant: b"]).x_cache == MISS
    assert fetch(edge, certs, "/k.txt", headers=["X-Variant: a"]).x_cache == HIT
    assert fetch(edge, certs, "/k.txt", headers=["x-variant: b"]).x_cache == HIT
    assert fetch(edge, certs, "/k.txt").x_cache == MISS  # no header: another entry
    assert len(fake_origin.requests) == 3


def test_keyed_cookie_splits_the_cache(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    fake_origin.behaviour = echo_target
    edge = start_edge(servers, fake_origin.endpoint, policy={"cookies": ["session"]})
    assert fetch(edge, certs, "/k.txt", headers=["Cookie: session=1"]).x_cache == MISS
    assert fetch(edge, certs, "/k.txt", headers=["Cookie: session=2"]).x_cache == MISS
    assert fetch(edge, certs, "/k.txt", headers=["Cookie: theme=dark; session=1"]).x_cache == HIT
    assert fetch(edge, certs, "/k.txt", headers=["Cookie: session=2; tracking=xyz"]).x_cache == HIT
    assert len(fake_origin.requests) == 2


UNKEYED = [
    "X-Forwarded-Host: evil.example",
    "X-Forwarded-Proto: http",
    "X-Forwarded-For: 203.0.113.9",
    "X-Forwarded-Port: 8443",
    "X-Original-URL: /admin",
    "X-Rewrite-URL: /admin",
    "X-Host: evil.example",
    "Forwarded: host=evil.example;proto=http",
    "Cookie: session=attacker",
    "Accept-Encoding: gzip, br",
    "Accept-Language: de",
    "User-Agent: evil/1.0",
    "Origin: https://evil.example",
    "Cache-Control: no-cache",
    "Pragma: no-cache",
]


@pytest.mark.parametrize("http2", VERSIONS)
def test_unkeyed_request_headers_never_change_what_is_served(servers: ServerFactory, fake_origin: FakeOrigin,
                                                             certs: Certs, http2: bool):
    """A request carrying headers outside the cache key (the classic cache-poisoning ones, a
    browser reload's no-cache) after a normal one is a hit with the same bytes and headers."""
    body = random_bytes(8000, 23)
    fake_origin.objects = {key_path("p.js"): FakeOrigin.s3_object(body, content_type="text/javascript")}
    edge = start_edge(servers, fake_origin.endpoint)
    normal = fetch(edge, certs, "/p.js", http2=http2)
    assert_served(normal, body, MISS)
    poisoned = fetch(edge, certs, "/p.js", http2=http2, headers=UNKEYED)
    assert_served(poisoned, body, HIT)
    for name in ("content-type", "content-length", "etag"):
        assert poisoned.header(name) == normal.header(name)
    assert len(fake_origin.requests) == 1


def test_unkeyed_headers_on_the_filling_request_do_not_leak(servers: ServerFactory, fake_origin: FakeOrigin,
                                                            certs: Certs):
    """The reverse order: the request that fills the cache carries the unkeyed headers; the origin
    never sees them, and a normal request afterwards is a hit with the origin's object."""
    body = random_bytes(8000, 24)
    fake_origin.objects = {key_path("p.js"): FakeOrigin.s3_object(body, content_type="text/javascript")}
    edge = start_edge(servers, fake_origin.endpoint)
    assert_served(fetch(edge, certs, "/p.js", headers=UNKEYED), body, MISS)
    assert_served(fetch(edge, certs, "/p.js"), body, HIT)
    [request] = fake_origin.requests
    for name in ("x-forwarded-host", "x-original-url", "cookie", "x-host", "forwarded"):
        assert request.header(name) is None, f"{name} reached the origin: {request.raw!r}"


# --------------------------------------------------------------------------
# restarts and a damaged cache


def test_cache_survives_a_restart(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    small, big = random_bytes(1000, 25), random_bytes(RANGE_SIZE, 26)
    fake_origin.objects = {key_path("small.bin"): FakeOrigin.s3_object(small),
                           key_path("big.bin"): FakeOrigin.s3_object(big)}
    edge = start_edge(servers, fake_origin.endpoint)
    assert_served(fetch(edge, certs, "/small.bin"), small, MISS)
    assert_served(fetch(edge, certs, "/big.bin"), big, MISS)
    edge = restart(servers, edge)
    assert_served(fetch(edge, certs, "/big.bin"), big, HIT)
    assert_served(fetch(edge, certs, "/small.bin"), small, HIT)
    r = fetch(edge, certs, "/big.bin", headers=["Range: bytes=262000-262300"])
    assert r.status == 206 and r.body == big[262_000:262_301] and r.x_cache == HIT, str(r)
    assert len(fake_origin.requests) == 2, "after a restart the cached objects are hits"


def test_fill_in_flight_at_sigterm_is_finished_and_kept(servers: ServerFactory, fake_origin: FakeOrigin,
                                                        certs: Certs, tmp_path: Path):
    """SIGTERM while an object streams in (the viewer has its first bytes): the drain lets the
    viewer's transfer finish, the object is stored, and after the restart it is a hit."""
    size = 2 * 1024 * 1024
    body = random_bytes(size, 33)
    fake_origin.objects = {key_path("drain.bin"): FakeOrigin.trickle(body, 65536, 0.04)}  # ~1.3 s
    edge = start_edge(servers, fake_origin.endpoint, log_level="debug")
    viewer = subprocess.Popen(
        ["curl", "-q", "--silent", "--http1.1", "--max-time", "15", "--write-out", "%{http_code} %{exitcode}",
         "--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", str(certs.ca_bundle),
         "--output", str(tmp_path / "body"), f"https://{HOST}:{edge.https_port}/drain.bin"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    streaming = wait_until(lambda: (tmp_path / "body").exists() and (tmp_path / "body").stat().st_size > 0, 5)
    assert streaming, "the object did not start streaming"
    assert fake_origin.paced_answers_sent == 0, "the origin was done before SIGTERM: the test proves little"
    edge.terminate()
    assert viewer.communicate(timeout=15)[0] == "200 0"
    assert (tmp_path / "body").read_bytes() == body
    assert edge.wait(15) == 0, edge.log()[-3000:]
    before = edge.log()
    edge = start_again(servers, edge)
    r = fetch(edge, certs, "/drain.bin")
    assert r.x_cache == HIT, f"{r}\nlog before the restart:\n{before[-4000:]}\nafter:\n{edge.log()[-2000:]}"
    assert_served(r, body, HIT)
    assert len(fake_origin.requests) == 1


def test_corrupt_cache_file_is_rebuilt_empty(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    body = random_bytes(50_000, 27)
    fake_origin.objects = {key_path("c.bin"): FakeOrigin.s3_object(body)}
    edge = start_edge(servers, fake_origin.endpoint)
    assert_served(fetch(edge, certs, "/c.bin"), body, MISS)
    assert edge.stop() == 0, edge.log()[-3000:]
    data = edge.config_path.parent / "cache" / "data.mdb"
    assert data.is_file(), f"no cache file at {data}: {sorted(p.name for p in data.parent.iterdir())}"
    size = data.stat().st_size
    with open(data, "r+b") as f:
        f.write(random_bytes(min(size, 1024 * 1024), 28))

    edge = start_again(servers, edge)
    line = edge.wait_for_log(r"[^\n]*is unreadable[^\n]*")
    assert line, f"no 'is unreadable' line in the log:\n{edge.log()[-3000:]}"
    assert "starting with an empty cache" in line.group(0), line.group(0)
    assert_served(fetch(edge, certs, "/c.bin"), body, MISS)
    assert_served(fetch(edge, certs, "/c.bin"), body, HIT)
    assert len(fake_origin.requests) == 2
