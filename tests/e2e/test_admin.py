"""The admin listener end to end: CloudFront's invalidation API driven by the real AWS CLI (and
botocore's signer, and `s3edge invalidate`), what an invalidation does to cached objects (at once,
after a restart, while a fill is running), hostile requests to the API, attempts to get in without
valid credentials, /metrics, /status, /readyz, /healthz and the access log.

s3edge runs in front of the scriptable fake origin (tests/e2e/fake_origin.py), as in test_cache.py.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import signal
import ssl
import subprocess
import threading
import time
import http.client
from pathlib import Path
from unittest import mock

import pytest

from conftest import (
    CLIENT_TIMEOUT,
    DIST_ID,
    Certs,
    Server,
    ServerFactory,
    free_port,
    run,
)
from fake_origin import FakeOrigin
from test_cache import ACCESS, HIT, MISS, assert_served, fetch, key_path, random_bytes, wait_until, with_origin

ROOT = Path(__file__).resolve().parents[2]
AWS = ROOT / ".venv" / "bin" / "aws"

ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef0123456789"
ADMIN_KEY_ID = "AKIAS3EDGEADMINE2E01"
ADMIN_SECRET = "admin/secret/for/the/e2e/tests/0123456789abcd"
NS = "{http://cloudfront.amazonaws.com/doc/2020-05-31/}"


# --------------------------------------------------------------------------
# helpers


def start_admin_edge(factory: ServerFactory, origin: FakeOrigin, *, tls: bool = True, credentials: bool = True,
                     access_log: dict | None = None, policy: dict | None = None) -> Server:
    """s3edge with an origin and an admin listener (TLS, a token and an access key unless told
    otherwise)."""
    config = with_origin(factory.config(), origin.endpoint)
    directory = factory.directory / f"admin{factory._count + 1}"
    directory.mkdir(parents=True, exist_ok=True)
    admin: dict = {"tls": tls}
    if credentials:
        tokens = directory / "admin-tokens"
        tokens.write_text(f"# operators\n{ADMIN_TOKEN}\n")
        tokens.chmod(0o600)
        secret = directory / "admin-secret"
        secret.write_text(ADMIN_SECRET + "\n")
        secret.chmod(0o600)
        admin["tokens_file"] = str(tokens)
        admin["access_keys"] = [{"id": ADMIN_KEY_ID, "secret_file": str(secret)}]
    config["admin"] = admin
    if access_log is not None:
        config["access_log"] = access_log
    if policy is not None:
        config["distributions"][0]["cache_policy"] = policy
    edge = factory.start(config, env=ACCESS)
    edge.test_config = config
    edge.admin_port = int(config["listen"]["admin"].rsplit(":", 1)[1])
    edge.admin_tls = tls
    return edge


def admin_endpoint(edge: Server) -> str:
    return f"{'https' if edge.admin_tls else 'http'}://127.0.0.1:{edge.admin_port}"


def admin_request(edge: Server, certs: Certs, method: str, path: str, *, body: bytes | None = None,
                  token: str | None = ADMIN_TOKEN, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """One request to the admin listener; returns status, lower-cased headers and body."""
    if edge.admin_tls:
        context = ssl.create_default_context(cafile=str(certs.ca_bundle))
        conn = http.client.HTTPSConnection("127.0.0.1", edge.admin_port, context=context, timeout=CLIENT_TIMEOUT)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", edge.admin_port, timeout=CLIENT_TIMEOUT)
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def aws(edge: Server, certs: Certs, *args: str, secret: str = ADMIN_SECRET, key_id: str = ADMIN_KEY_ID,
        timeout: float = 60) -> subprocess.CompletedProcess:
    """The real AWS CLI against the admin listener, with the test access key and nothing from
    the environment's AWS configuration."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(edge.config_path.parent),
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CA_BUNDLE": str(certs.ca_bundle),
        "AWS_MAX_ATTEMPTS": "1",
    }
    return subprocess.run(
        [str(AWS), "cloudfront", *args, "--endpoint-url", admin_endpoint(edge), "--output", "json"],
        capture_output=True, text=True, timeout=timeout, env=env,
    )


def batch_xml(paths: list[str], reference: str, *, quantity: int | None = None) -> bytes:
    items = "".join(f"<Path>{p}</Path>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">'
        f"<Paths><Quantity>{len(paths) if quantity is None else quantity}</Quantity><Items>{items}</Items></Paths>"
        f"<CallerReference>{reference}</CallerReference></InvalidationBatch>"
    ).encode()


def post_invalidation(edge: Server, certs: Certs, body: bytes, *, distribution: str = DIST_ID,
                      token: str | None = ADMIN_TOKEN) -> tuple[int, dict, bytes]:
    return admin_request(edge, certs, "POST", f"/2020-05-31/distribution/{distribution}/invalidation", body=body,
                         token=token, headers={"Content-Type": "text/xml"})


def error_code(body: bytes) -> str | None:
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return match.group(1).decode() if match else None


def invalidation_count(edge: Server, certs: Certs) -> int:
    status, _, body = admin_request(edge, certs, "GET", f"/2020-05-31/distribution/{DIST_ID}/invalidation")
    assert status == 200, body
    return int(re.search(rb"<Quantity>(\d+)</Quantity>", body).group(1))


def seed(origin: FakeOrigin, keys: list[str], *, version: int = 1) -> dict[str, bytes]:
    bodies = {k: random_bytes(3000 + len(k), hash((k, version)) & 0xFFFF) + f"v{version}".encode() for k in keys}
    origin.objects = {**(origin.objects or {}), **{key_path(k.lstrip("/")): FakeOrigin.s3_object(b) for k, b in bodies.items()}}
    return bodies


def warm(edge: Server, certs: Certs, bodies: dict[str, bytes]) -> None:
    """Each object fetched twice: a miss, then a hit."""
    for key, body in bodies.items():
        assert_served(fetch(edge, certs, key), body, MISS)
        assert_served(fetch(edge, certs, key), body, HIT)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of `name` whose labels include `labels` (summed over the rest)."""
    total = 0.0
    found = False
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        match = re.fullmatch(r"([a-z0-9_]+)(?:\{(.*)\})? ([0-9.eE+-]+)", line)
        if not match or match.group(1) != name:
            continue
        have = dict(re.findall(r'([a-z_]+)="([^"]*)"', match.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(match.group(3))
            found = True
    assert found, f"no sample of {name} {labels} in:\n{text}"
    return total


# --------------------------------------------------------------------------
# the AWS CLI flow


def test_aws_cli_invalidates_through_s3edge(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    bodies = seed(fake_origin, ["/images/a.png", "/images/b/c.png", "/index.html", "/other.css", "/images.txt"])
    edge = start_admin_edge(servers, fake_origin)
    warm(edge, certs, bodies)

    created = aws(edge, certs, "create-invalidation", "--distribution-id", DIST_ID,
                  "--paths", "/images/*", "/index.html")
    assert created.returncode == 0, created.stderr
    document = json.loads(created.stdout)
    invalidation = document["Invalidation"]
    assert re.fullmatch(r"I[A-Z0-9]{13}", invalidation["Id"]), invalidation
    assert invalidation["Status"] == "Completed"
    assert sorted(invalidation["InvalidationBatch"]["Paths"]["Items"]) == ["/images/*", "/index.html"]
    assert invalidation["InvalidationBatch"]["Paths"]["Quantity"] == 2
    assert document["Location"].endswith(f"/2020-05-31/distribution/{DIST_ID}/invalidation/{invalidation['Id']}")

    # At once: the invalidated objects are fetched again, the others are still hits.
    before = len(fake_origin.requests)
    assert_served(fetch(edge, certs, "/images/a.png"), bodies["/images/a.png"], MISS)
    assert_served(fetch(edge, certs, "/images/b/c.png"), bodies["/images/b/c.png"], MISS)
    assert_served(fetch(edge, certs, "/index.html"), bodies["/index.html"], MISS)
    assert_served(fetch(edge, certs, "/other.css"), bodies["/other.css"], HIT)
    assert_served(fetch(edge, certs, "/images.txt"), bodies["/images.txt"], HIT)
    assert len(fake_origin.requests) == before + 3
    # ... and cached again.
    assert_served(fetch(edge, certs, "/images/a.png"), bodies["/images/a.png"], HIT)

    got = aws(edge, certs, "get-invalidation", "--distribution-id", DIST_ID, "--id", invalidation["Id"])
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["Invalidation"]["Id"] == invalidation["Id"]
    assert json.loads(got.stdout)["Invalidation"]["Status"] == "Completed"

    listed = aws(edge, certs, "list-invalidations", "--distribution-id", DIST_ID)
    assert listed.returncode == 0, listed.stderr
    summary = json.loads(listed.stdout)["InvalidationList"]
    # The CLI pages through the list and merges the pages: Items, without the per-page Quantity.
    assert [item["Id"] for item in summary["Items"]] == [invalidation["Id"]]
    assert summary["Items"][0]["Status"] == "Completed"

    waited = aws(edge, certs, "wait", "invalidation-completed", "--distribution-id", DIST_ID, "--id", invalidation["Id"])
    assert waited.returncode == 0, waited.stderr

    missing = aws(edge, certs, "get-invalidation", "--distribution-id", DIST_ID, "--id", "I0000000000000")
    assert missing.returncode != 0 and "NoSuchInvalidation" in missing.stderr, missing.stderr
    unknown = aws(edge, certs, "create-invalidation", "--distribution-id", "E0NOSUCHDIST", "--paths", "/x")
    assert unknown.returncode != 0 and "NoSuchDistribution" in unknown.stderr, unknown.stderr


def test_list_invalidations_pages_newest_first(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    edge = start_admin_edge(servers, fake_origin)
    ids = []
    for i in range(5):
        created = aws(edge, certs, "create-invalidation", "--distribution-id", DIST_ID, "--paths", f"/p{i}")
        assert created.returncode == 0, created.stderr
        ids.append(json.loads(created.stdout)["Invalidation"]["Id"])
    first = aws(edge, certs, "list-invalidations", "--distribution-id", DIST_ID, "--max-items", "2")
    assert first.returncode == 0, first.stderr
    page = json.loads(first.stdout)
    assert [i["Id"] for i in page["InvalidationList"]["Items"]] == ids[::-1][:2]
    everything = aws(edge, certs, "list-invalidations", "--distribution-id", DIST_ID)
    assert [i["Id"] for i in json.loads(everything.stdout)["InvalidationList"]["Items"]] == ids[::-1]
    # The raw API's Marker/MaxItems.
    status, _, body = admin_request(
        edge, certs, "GET", f"/2020-05-31/distribution/{DIST_ID}/invalidation?MaxItems=2&Marker={ids[3]}")
    assert status == 200, body
    assert re.findall(rb"<Id>(I[A-Z0-9]+)</Id>", body) == [ids[2].encode(), ids[1].encode()]
    assert b"<IsTruncated>true</IsTruncated>" in body and f"<NextMarker>{ids[1]}</NextMarker>".encode() in body


def test_s3edge_invalidate_command(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, s3edge_bin: Path):
    bodies = seed(fake_origin, ["/docs/a.pdf", "/docs/b.pdf", "/keep.pdf"])
    edge = start_admin_edge(servers, fake_origin)
    warm(edge, certs, bodies)
    result = run([s3edge_bin, "invalidate", "--config", edge.config_path, "--distribution", DIST_ID, "/docs/*"])
    assert result.returncode == 0, result.stderr
    assert re.match(rf"Invalidation I[A-Z0-9]{{13}} of {DIST_ID}: Completed \(1 path\)", result.stdout), result.stdout
    assert_served(fetch(edge, certs, "/docs/a.pdf"), bodies["/docs/a.pdf"], MISS)
    assert_served(fetch(edge, certs, "/keep.pdf"), bodies["/keep.pdf"], HIT)
    bad = run([s3edge_bin, "invalidate", "--config", edge.config_path, "--distribution", DIST_ID, "/a*b"])
    assert bad.returncode != 0 and "InvalidArgument" in bad.stderr, bad.stderr


def test_same_caller_reference(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    edge = start_admin_edge(servers, fake_origin)
    status, headers, first = post_invalidation(edge, certs, batch_xml(["/a", "/b"], "deploy-42"))
    assert status == 201, first
    again_status, _, again = post_invalidation(edge, certs, batch_xml(["/b", "/a"], "deploy-42"))
    assert again_status == 201, again
    first_id = re.search(rb"<Id>([^<]+)</Id>", first).group(1)
    assert re.search(rb"<Id>([^<]+)</Id>", again).group(1) == first_id, "same reference and paths: the same invalidation"
    other_status, _, other = post_invalidation(edge, certs, batch_xml(["/c"], "deploy-42"))
    assert other_status == 409 and error_code(other) == "InvalidationBatchAlreadyExists", other
    assert invalidation_count(edge, certs) == 1


# --------------------------------------------------------------------------
# what an invalidation covers, and for how long


def test_path_semantics(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    """Percent-encoded and decoded spellings match; query variants as CloudFront documents; case
    matters; `*` only at the end."""
    edge = start_admin_edge(servers, fake_origin, policy={"query_strings": "all"})
    bodies = seed(fake_origin, ["/a b.txt", "/q.jpg", "/Case/x.txt", "/case/x.txt"])
    fake_origin.objects[key_path("a%20b.txt")] = fake_origin.objects[key_path("a b.txt")]
    spaced = bodies["/a b.txt"]
    assert_served(fetch(edge, certs, "/a%20b.txt"), spaced, MISS)
    assert_served(fetch(edge, certs, "/a%20b.txt"), spaced, HIT)
    for path in ("/q.jpg", "/q.jpg?v=1", "/q.jpg?v=2", "/Case/x.txt", "/case/x.txt"):
        key = path.split("?")[0]
        fetch(edge, certs, path)
        assert_served(fetch(edge, certs, path), bodies[key], HIT)

    # The decoded spelling invalidates the encoded one.
    assert post_invalidation(edge, certs, batch_xml(["/a b.txt"], "r1"))[0] == 201
    assert_served(fetch(edge, certs, "/a%20b.txt"), spaced, MISS)
    # ... and the encoded spelling the object cached under it again.
    assert_served(fetch(edge, certs, "/a%20b.txt"), spaced, HIT)
    assert post_invalidation(edge, certs, batch_xml(["/a%20b.txt"], "r2"))[0] == 201
    assert_served(fetch(edge, certs, "/a%20b.txt"), spaced, MISS)

    # A path without a query: that object only, not its query variants.
    assert post_invalidation(edge, certs, batch_xml(["/q.jpg"], "r3"))[0] == 201
    assert_served(fetch(edge, certs, "/q.jpg"), bodies["/q.jpg"], MISS)
    assert_served(fetch(edge, certs, "/q.jpg?v=1"), bodies["/q.jpg"], HIT)
    # One query variant.
    assert post_invalidation(edge, certs, batch_xml(["/q.jpg?v=1"], "r4"))[0] == 201
    assert_served(fetch(edge, certs, "/q.jpg?v=1"), bodies["/q.jpg"], MISS)
    assert_served(fetch(edge, certs, "/q.jpg?v=2"), bodies["/q.jpg"], HIT)
    # `/q.jpg*`: every variant.
    assert post_invalidation(edge, certs, batch_xml(["/q.jpg*"], "r5"))[0] == 201
    for path in ("/q.jpg", "/q.jpg?v=1", "/q.jpg?v=2"):
        assert_served(fetch(edge, certs, path), bodies["/q.jpg"], MISS)

    # Case-sensitive.
    assert post_invalidation(edge, certs, batch_xml(["/CASE/*"], "r6"))[0] == 201
    assert_served(fetch(edge, certs, "/Case/x.txt"), bodies["/Case/x.txt"], HIT)
    assert_served(fetch(edge, certs, "/case/x.txt"), bodies["/case/x.txt"], HIT)

    # `/*` is everything.
    assert post_invalidation(edge, certs, batch_xml(["/*"], "r7"))[0] == 201
    assert_served(fetch(edge, certs, "/Case/x.txt"), bodies["/Case/x.txt"], MISS)
    assert_served(fetch(edge, certs, "/case/x.txt"), bodies["/case/x.txt"], MISS)
    assert_served(fetch(edge, certs, "/q.jpg?v=2"), bodies["/q.jpg"], MISS)


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_invalidated_content_never_comes_back_after_a_restart(servers: ServerFactory, fake_origin: FakeOrigin,
                                                              certs: Certs, how: str):
    old = seed(fake_origin, ["/report.pdf", "/kept.pdf"], version=1)
    edge = start_admin_edge(servers, fake_origin)
    warm(edge, certs, old)
    assert post_invalidation(edge, certs, batch_xml(["/report.pdf"], "restart"))[0] == 201
    new = seed(fake_origin, ["/report.pdf"], version=2)
    if how == "sigterm":
        assert edge.stop() == 0
    else:
        edge.kill()
    again = servers.start(edge.test_config, config_path=edge.config_path, env=ACCESS)
    again.admin_port, again.admin_tls = edge.admin_port, edge.admin_tls
    assert_served(fetch(again, certs, "/report.pdf"), new["/report.pdf"], MISS)
    assert_served(fetch(again, certs, "/report.pdf"), new["/report.pdf"], HIT)
    assert_served(fetch(again, certs, "/kept.pdf"), old["/kept.pdf"], HIT)
    # The API still knows it.
    assert invalidation_count(again, certs) == 1


def test_a_fill_running_during_an_invalidation_is_not_stored(servers: ServerFactory, fake_origin: FakeOrigin,
                                                             certs: Certs):
    """A slow origin response that began before the invalidation reaches its viewer, but is not
    kept: the next request fetches again (and gets the new object)."""
    old_body = random_bytes(400_000, 7)
    new_body = random_bytes(400_000, 8)
    fake_origin.objects = {key_path("slow.bin"): FakeOrigin.trickle(old_body, interval=0.25)}  # about 1.5 s
    edge = start_admin_edge(servers, fake_origin)
    results = []
    viewer = threading.Thread(target=lambda: results.append(fetch(edge, certs, "/slow.bin", timeout=60)))
    viewer.start()
    assert wait_until(lambda: len(fake_origin.requests) == 1, 10), "the fill did not start"
    assert post_invalidation(edge, certs, batch_xml(["/slow.bin"], "mid-fill"))[0] == 201
    fake_origin.objects = {key_path("slow.bin"): FakeOrigin.s3_object(new_body)}
    viewer.join(60)
    assert results and results[0].returncode == 0 and results[0].body == old_body, results
    after = fetch(edge, certs, "/slow.bin")
    assert_served(after, new_body, MISS)
    assert_served(fetch(edge, certs, "/slow.bin"), new_body, HIT)


# --------------------------------------------------------------------------
# hostile requests: a clear CloudFront-style error, and nothing changes


def test_hostile_bodies_are_refused_and_change_nothing(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    bodies = seed(fake_origin, ["/safe.txt"])
    edge = start_admin_edge(servers, fake_origin)
    warm(edge, certs, bodies)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              b"<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/&lol2;</Path></Items></Paths>"
              b"<CallerReference>x</CallerReference></InvalidationBatch>")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           b"<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/&xxe;</Path></Items></Paths>"
           b"<CallerReference>x</CallerReference></InvalidationBatch>")
    cases = [
        ("malformed XML", b"<InvalidationBatch><Paths>", 400, "MalformedInput"),
        ("not XML", b"paths=/x", 400, "MalformedInput"),
        ("entity expansion", laughs, 400, "MalformedInput"),
        ("external entity", xxe, 400, "MalformedInput"),
        ("wildcard in the middle", batch_xml(["/images/*/a.png"], "w"), 400, "InvalidArgument"),
        ("no leading slash", batch_xml(["images/a.png"], "s"), 400, "InvalidArgument"),
        ("path over 4,000 characters", batch_xml(["/" + "a" * 4000], "l"), 400, "InvalidArgument"),
        ("quantity mismatch", batch_xml(["/a", "/b"], "q", quantity=3), 400, "InconsistentQuantities"),
        ("10,000 paths", batch_xml([f"/p{i}" for i in range(10_000)], "many"), 413, "BatchTooLarge"),
    ]
    for name, body, status, code in cases:
        got_status, headers, got = post_invalidation(edge, certs, body)
        assert (got_status, error_code(got)) == (status, code), f"{name}: {got_status} {got[:500]!r}"
        assert headers.get("content-type", "").startswith("text/xml"), name
        assert b"root:" not in got, f"{name}: file contents leaked"
    # A 10 MB body is refused from its Content-Length, before it is read.
    status, got = oversized_post(edge, certs, 10 << 20)
    assert (status, error_code(got)) == (413, "BatchTooLarge"), got
    status, _, got = post_invalidation(edge, certs, batch_xml(["/safe.txt"], "u"), distribution="E0NOSUCHDIST")
    assert (status, error_code(got)) == (404, "NoSuchDistribution"), got
    assert invalidation_count(edge, certs) == 0, "a refused request must create nothing"
    assert_served(fetch(edge, certs, "/safe.txt"), bodies["/safe.txt"], HIT)
    assert edge.alive()


def oversized_post(edge: Server, certs: Certs, length: int) -> tuple[int, bytes]:
    """A POST announcing `length` body bytes and sending none: the answer must come from the head
    alone (the server refuses before reading the body, and closes)."""
    import socket
    raw = socket.create_connection(("127.0.0.1", edge.admin_port), timeout=CLIENT_TIMEOUT)
    context = ssl.create_default_context(cafile=str(certs.ca_bundle))
    sock = context.wrap_socket(raw, server_hostname="127.0.0.1") if edge.admin_tls else raw
    try:
        sock.sendall((f"POST /2020-05-31/distribution/{DIST_ID}/invalidation HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: text/xml\r\n"
                      f"Content-Length: {length}\r\n\r\n").encode())
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()
    finally:
        sock.close()


# --------------------------------------------------------------------------
# getting in without valid credentials


def sigv4_request(edge: Server, certs: Certs, method: str, path: str, *, body: bytes = b"",
                  service: str = "cloudfront", secret: str = ADMIN_SECRET, key_id: str = ADMIN_KEY_ID,
                  signed_at: datetime.datetime | None = None) -> tuple[int, bytes]:
    """A request signed by botocore's SigV4 signer (optionally at another time, or for another
    service), sent as signed."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    url = f"{admin_endpoint(edge)}{path}"
    request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body,
                                             headers={"Content-Type": "text/xml"} if body else {})
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(key_id, secret), service, "us-east-1")
    if signed_at is None:
        signer.add_auth(request)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda: signed_at):
            signer.add_auth(request)
    prepared = request.prepare()
    headers = {k: v for k, v in prepared.headers.items()}
    status, _, answer = admin_request(edge, certs, method, path, body=body or None, token=None, headers=headers)
    return status, answer


def test_credentials_are_required_and_checked(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    edge = start_admin_edge(servers, fake_origin)
    path = f"/2020-05-31/distribution/{DIST_ID}/invalidation"
    body = batch_xml(["/x"], "auth")
    now = datetime.datetime.now(datetime.timezone.utc)

    # Liveness needs nothing.
    assert admin_request(edge, certs, "GET", "/healthz", token=None)[0] == 200

    refused = [
        ("no credentials", post_invalidation(edge, certs, body, token=None), 401),
        ("no credentials, metrics", admin_request(edge, certs, "GET", "/metrics", token=None)[:1], 401),
        ("wrong token", post_invalidation(edge, certs, body, token="x" * 40), 403),
        ("token with one character changed", post_invalidation(edge, certs, body, token=ADMIN_TOKEN[:-1] + "X"), 403),
        ("token prefix", post_invalidation(edge, certs, body, token=ADMIN_TOKEN[:32]), 403),
        ("basic auth", admin_request(edge, certs, "POST", path, body=body, token=None,
                                     headers={"Authorization": "Basic YWRtaW46YWRtaW4="})[:1], 403),
        ("wrong SigV4 secret", sigv4_request(edge, certs, "POST", path, body=body, secret="wrong" + ADMIN_SECRET), 403),
        ("unknown access key", sigv4_request(edge, certs, "POST", path, body=body, key_id="AKIAUNKNOWNKEY000001"), 403),
        ("SigV4 for another service", sigv4_request(edge, certs, "POST", path, body=body, service="s3"), 403),
        ("replayed after 16 minutes", sigv4_request(edge, certs, "POST", path, body=body,
                                                     signed_at=now - datetime.timedelta(minutes=16)), 403),
        ("signed 16 minutes ahead", sigv4_request(edge, certs, "POST", path, body=body,
                                                   signed_at=now + datetime.timedelta(minutes=16)), 403),
    ]
    for name, answer, status in refused:
        assert answer[0] == status, f"{name}: got {answer}"
        if len(answer) > 1:
            assert b"secret" not in answer[-1].lower() and ADMIN_TOKEN.encode() not in answer[-1], name
    # A wrong secret through the real AWS CLI.
    wrong = aws(edge, certs, "list-invalidations", "--distribution-id", DIST_ID, secret="not-the-secret-0000000000")
    assert wrong.returncode != 0 and "AccessDenied" in wrong.stderr, wrong.stderr
    # A body changed after signing.
    import botocore.auth, botocore.awsrequest, botocore.credentials  # noqa: E401
    request = botocore.awsrequest.AWSRequest(method="POST", url=f"{admin_endpoint(edge)}{path}", data=body)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(ADMIN_KEY_ID, ADMIN_SECRET), "cloudfront",
                            "us-east-1").add_auth(request)
    tampered = admin_request(edge, certs, "POST", path, body=batch_xml(["/*"], "auth"), token=None,
                             headers=dict(request.prepare().headers.items()))
    assert tampered[0] == 403, tampered
    assert invalidation_count(edge, certs) == 0

    # And what works: a recent SigV4 request, and the token.
    assert sigv4_request(edge, certs, "GET", path)[0] == 200
    assert sigv4_request(edge, certs, "GET", path, signed_at=now - datetime.timedelta(minutes=14))[0] == 200
    assert admin_request(edge, certs, "GET", "/status")[0] == 200
    assert "admin request refused" in edge.log()
    assert ADMIN_TOKEN not in edge.log() and ADMIN_SECRET not in edge.log()


def test_admin_without_credentials_answers_only_healthz(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    edge = start_admin_edge(servers, fake_origin, tls=False, credentials=False)
    assert admin_request(edge, certs, "GET", "/healthz", token=None)[0] == 200
    for path in ("/metrics", "/status", "/readyz", f"/2020-05-31/distribution/{DIST_ID}/invalidation"):
        assert admin_request(edge, certs, "GET", path, token=None)[0] == 401, path
        assert admin_request(edge, certs, "GET", path, token=ADMIN_TOKEN)[0] == 403, path
    assert "the admin API has no credentials" in edge.log()


# --------------------------------------------------------------------------
# observability


def test_metrics_status_and_readiness(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    bodies = seed(fake_origin, ["/m1.bin", "/m2.bin"])
    edge = start_admin_edge(servers, fake_origin)
    warm(edge, certs, bodies)
    fetch(edge, certs, "/m1.bin", http2=True)
    before = admin_request(edge, certs, "GET", "/metrics")[2].decode()
    assert metric(before, "s3edge_cache_entries") == 2
    assert post_invalidation(edge, certs, batch_xml(["/m1.bin", "/m2.bin"], "metrics"))[0] == 201
    # The background sweep deletes what the invalidation hides.
    assert edge.wait_for_log(r"invalidation sweep finished.*deleted_entries=2", timeout=10), edge.log()[-2000:]

    # A request is counted when s3edge ends its response; a miss's end can trail the last body
    # byte the viewer already has (it waits for the origin transfer's end), so wait for all 5.
    def scrape() -> str:
        status, headers, body = admin_request(edge, certs, "GET", "/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
        return body.decode()
    assert wait_until(lambda: metric(scrape(), "s3edge_request_duration_seconds_count") == 5, 5), scrape()
    text = scrape()
    counted = "\n".join(line for line in text.splitlines() if line.startswith("s3edge_requests_total"))
    assert metric(text, "s3edge_requests_total", cache="Hit", status="200", protocol="h1") == 2, counted
    assert metric(text, "s3edge_requests_total", cache="Hit", status="200", protocol="h2") == 1, counted
    assert metric(text, "s3edge_requests_total", cache="Miss", status="200") == 2, counted
    assert metric(text, "s3edge_response_bytes_total") == 2 * len(bodies["/m1.bin"]) + len(bodies["/m1.bin"]) + 2 * len(bodies["/m2.bin"])
    assert metric(text, "s3edge_origin_responses_total", status="200") == 2
    assert metric(text, "s3edge_invalidations_total") == 1
    assert metric(text, "s3edge_invalidation_paths_total") == 2
    assert metric(text, "s3edge_tls_handshakes_total", version="TLSv1.3") >= 5
    assert metric(text, "s3edge_cache_entries") == 0
    assert metric(text, "s3edge_cache_bytes") == 0
    assert metric(text, "s3edge_request_duration_seconds_count") == 5
    assert metric(text, "s3edge_request_duration_seconds_bucket", le="+Inf") == 5

    status, _, body = admin_request(edge, certs, "GET", "/status")
    assert status == 200
    report = json.loads(body)
    assert report["version"] and report["uptime_seconds"] >= 0
    assert report["cache"]["entries"] == 0 and report["cache"]["max_bytes"] == 4 << 30
    assert report["distributions"][0]["id"] == DIST_ID and report["distributions"][0]["invalidations"] == 1

    assert admin_request(edge, certs, "GET", "/readyz")[:1] == (200,)
    assert admin_request(edge, certs, "GET", "/nothing-here")[0] == 404


def test_admin_over_http2(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    edge = start_admin_edge(servers, fake_origin)
    result = run(["curl", "-q", "--silent", "--show-error", "--http2", "--cacert", certs.ca_bundle,
                  "-H", f"Authorization: Bearer {ADMIN_TOKEN}", "-w", "%{http_version} %{http_code}",
                  "-o", "/dev/null", f"https://127.0.0.1:{edge.admin_port}/status"])
    assert result.stdout == "2 200", result.stdout + result.stderr


W3C_FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
              "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header "
              "cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
              "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
              "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end").split()


def test_access_log_w3c_and_logrotate(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, tmp_path: Path):
    log = tmp_path / "access.log"
    bodies = seed(fake_origin, ["/log/a.txt"])
    edge = start_admin_edge(servers, fake_origin, access_log={"path": str(log), "format": "w3c"})
    warm(edge, certs, bodies)
    fetch(edge, certs, "/log/a.txt?x=1", headers=["Range: bytes=0-99", "User-Agent: tab\there"])
    assert wait_until(lambda: log.exists() and log.read_text().count("\n") >= 5, 5), log.read_text() if log.exists() else "no log"
    lines = log.read_text().splitlines()
    assert lines[0] == "#Version: 1.0"
    fields = lines[1].removeprefix("#Fields: ").split(" ")
    assert fields[:len(W3C_FIELDS)] == W3C_FIELDS, fields
    rows = [dict(zip(fields, line.split("\t"))) for line in lines[2:]]
    assert all(len(line.split("\t")) == len(fields) for line in lines[2:]), lines
    # A line is written when s3edge ends the response; a miss's end can trail the next request's.
    assert sorted(r["x-edge-result-type"] for r in rows[:2]) == ["Hit", "Miss"] and rows[2]["x-edge-result-type"] == "Hit", rows
    miss = next(r for r in rows if r["x-edge-result-type"] == "Miss")
    assert miss["cs-uri-stem"] == "/log/a.txt" and miss["sc-status"] == "200" and miss["cs-method"] == "GET"
    assert miss["c-ip"] == "127.0.0.1" and miss["cs-protocol"] == "https" and miss["ssl-protocol"] == "TLSv1.3"
    assert rows[2]["cs-uri-query"] == "x=1" and rows[2]["sc-status"] == "206"
    assert (rows[2]["sc-range-start"], rows[2]["sc-range-end"]) == ("0", "99")
    assert "\t" not in rows[2]["cs(User-Agent)"] and rows[2]["cs(User-Agent)"].startswith("tab")

    # logrotate: move the file away, SIGHUP, and new lines go to a new file.
    rotated = tmp_path / "access.log.1"
    log.rename(rotated)
    edge.reload()
    fetch(edge, certs, "/log/a.txt")
    assert wait_until(lambda: log.exists() and len(log.read_text().splitlines()) >= 3, 5)
    assert log.read_text().splitlines()[0] == "#Version: 1.0"
    assert len(rotated.read_text().splitlines()) == 5


def test_access_log_json_on_stderr(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs):
    bodies = seed(fake_origin, ["/j.txt"])
    edge = start_admin_edge(servers, fake_origin, access_log={"path": "stderr", "format": "json"})
    warm(edge, certs, bodies)
    def access_lines() -> list[str]:
        # Whole lines only: the last one may still be being written.
        return [line for line in edge.log().split("\n")[:-1] if line.startswith("{") and "x-edge-result-type" in line]
    assert wait_until(lambda: len(access_lines()) >= 2, 5), edge.log()
    records = [json.loads(line) for line in access_lines()]
    assert sorted(r["x-edge-result-type"] for r in records) == ["Hit", "Miss"], edge.log()
    hit = next(r for r in records if r["x-edge-result-type"] == "Hit")
    assert hit["cs-uri-stem"] == "/j.txt" and hit["sc-status"] == 200
    assert hit["sc-bytes"] > len(bodies["/j.txt"])
