"""The edge cache encrypted at rest (cache.encryption), against moto's real KMS with IAM
enforcement on: what an operator (and someone who reads the disk) sees.

The bucket is the private SSE-KMS bucket of tests/e2e/moto_origin.py, on a moto_server of this
module's own (seeding needs IAM enforcement off). Its reader may also call kms:GenerateDataKey and
kms:Decrypt, so s3edge gets its cache's data key from KMS as it would on AWS; a second user may read
the bucket but use no KMS key. The cache files are inspected and altered with py-lmdb (the `lmdb`
package), as someone with access to the disk could, while s3edge is stopped.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ORIGIN_BUCKET, Certs, Server, ServerFactory, free_port, origin_env, run, with_origin
from tcp_relay import TCPRelay
from moto_origin import MotoServer, SeedObject, enable_auth, pdf_bytes, png_bytes, seed_cache_kms, seed_private_bucket
from test_admin import ADMIN_TOKEN, admin_request, metric
from test_cache import HIT, MISS, assert_served, fetch, wait_until

CHUNK = 256 * 1024
RANDOM = random.Random(20261130)
# Each object carries text no other file on disk could contain by chance, so a search of the
# cache files for it proves the plaintext is not there.
OBJECTS = [
    SeedObject("invoices/2026-11.pdf", pdf_bytes("INVOICE 2026-11 for ACME Corp, total 1234.56 EUR"), "application/pdf"),
    SeedObject("avatars/ada.png", png_bytes(24, 24), "image/png"),
    SeedObject("notes/receipt.txt", b"RECEIPT-PLAINTEXT-MARKER: paid by card ending 4242\n" * 40, "text/plain"),
    SeedObject("twins/one.bin", b"TWIN-ONE-MARKER-" + RANDOM.randbytes(6000), "application/octet-stream"),
    SeedObject("twins/two.bin", b"TWIN-TWO-MARKER-" + RANDOM.randbytes(6000), "application/octet-stream"),
    SeedObject("blobs/big.bin", b"BIG-BLOB-MARKER-" + RANDOM.randbytes(3 * CHUNK - 16 + 1000), "application/octet-stream"),
]
BODIES = {f"/{o.key}": o.body for o in OBJECTS}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("moto-kms") / "moto_server.log"
    server = MotoServer(free_port(), log)
    server.start()
    try:
        bucket = seed_private_bucket(server.endpoint, ORIGIN_BUCKET, OBJECTS)
        cache_kms = seed_cache_kms(server.endpoint, bucket)
        enable_auth(server.endpoint)
        yield bucket, cache_kms
    finally:
        server.stop()


def edge_config(factory: ServerFactory, origin, *, encryption: dict | None = None, directory: Path | None = None) -> dict:
    bucket, cache_kms = origin
    config = with_origin(factory.config(), bucket.endpoint, region=bucket.region)
    config["cache"]["encryption"] = encryption if encryption is not None else {
        "mode": "kms", "kms_key_id": cache_kms.alias, "kms_region": bucket.region, "kms_endpoint": bucket.endpoint,
    }
    directory = directory or factory.directory / f"edge{factory._count + 1}"
    directory.mkdir(parents=True, exist_ok=True)
    tokens = directory / "admin-tokens"
    tokens.write_text(ADMIN_TOKEN + "\n")
    tokens.chmod(0o600)
    config["admin"] = {"tls": True, "tokens_file": str(tokens)}
    return config


def start(factory: ServerFactory, origin, config: dict, *, denied: bool = False, config_path: Path | None = None,
          expect_ready: bool = True) -> Server:
    bucket, cache_kms = origin
    env = origin_env(cache_kms.denied_access_key_id, cache_kms.denied_secret_access_key) if denied \
        else origin_env(bucket.access_key_id, bucket.secret_access_key)
    edge = factory.start(config, env=env, config_path=config_path, expect_ready=expect_ready)
    edge.admin_port = int(config["listen"]["admin"].rsplit(":", 1)[1])
    edge.admin_tls = True
    edge.test_config = config
    return edge


def restart(factory: ServerFactory, origin, edge: Server, config: dict | None = None, **kwargs) -> Server:
    assert edge.stop() == 0, edge.log()[-3000:]
    return start(factory, origin, config or edge.test_config, config_path=edge.config_path, **kwargs)


def cache_dir(edge: Server) -> Path:
    return edge.config_path.parent / "cache"


def cache_files(edge: Server) -> bytes:
    """Everything s3edge keeps in its cache directory, concatenated."""
    return b"".join(p.read_bytes() for p in sorted(cache_dir(edge).iterdir()) if p.is_file())


def scrape(edge: Server, certs: Certs) -> str:
    status, _, body = admin_request(edge, certs, "GET", "/metrics")
    assert status == 200
    return body.decode()


def warm(edge: Server, certs: Certs, keys=BODIES) -> None:
    for key in keys:
        assert_served(fetch(edge, certs, key), BODIES[key], MISS)
        assert_served(fetch(edge, certs, key), BODIES[key], HIT)


def chunk_keys(environment, path: str) -> list[bytes]:
    """The body records of `path`'s entry, in chunk order."""
    import lmdb

    body = environment.open_db(b"body", create=False)
    with environment.begin(db=body) as txn:
        return [key for key, _ in txn.cursor() if path.encode() in key[:-12]]


def open_cache(edge: Server):
    import lmdb

    return lmdb.open(str(cache_dir(edge)), max_dbs=4, subdir=True, readonly=False, lock=True, map_size=4 << 30)


# --------------------------------------------------------------------------
# nothing in clear on disk; restarts stay warm through KMS


def test_no_plaintext_of_any_cached_object_reaches_the_disk(servers: ServerFactory, origin, certs: Certs):
    edge = start(servers, origin, edge_config(servers, origin))
    assert edge.wait_for_log(r"cache encrypted with a KMS data key; caching is on"), edge.log()
    warm(edge, certs)
    assert edge.stop() == 0
    files = cache_files(edge)
    assert len(files) > sum(len(b) for b in BODIES.values()), "the cache should hold every object"
    for key, body in BODIES.items():
        for start_at in (0, len(body) // 2, max(0, len(body) - 64)):
            window = body[start_at:start_at + 48]
            assert window not in files, f"plaintext of {key} (bytes {start_at}..) is in the cache files"
    for marker in [b"INVOICE 2026-11", b"RECEIPT-PLAINTEXT-MARKER", b"TWIN-ONE-MARKER", b"BIG-BLOB-MARKER",
                   b"application/pdf", b"image/png"]:
        assert marker not in files, marker
    keys = (cache_dir(edge) / "keys.json").read_text()
    assert '"ciphertext_blob"' in keys and '"kms_key_id" : "alias/s3edge-cache"' in keys, keys
    assert (cache_dir(edge) / "keys.json").stat().st_mode & 0o777 == 0o600


def test_a_restart_recovers_the_data_key_through_kms_and_serves_hits(servers: ServerFactory, origin, certs: Certs):
    edge = start(servers, origin, edge_config(servers, origin))
    warm(edge, certs, ["/invoices/2026-11.pdf", "/blobs/big.bin"])
    before = (cache_dir(edge) / "keys.json").read_text()
    edge = restart(servers, origin, edge)
    assert edge.wait_for_log(r"cache encrypted with a KMS data key; caching is on"), edge.log()
    for key in ["/invoices/2026-11.pdf", "/blobs/big.bin"]:
        assert_served(fetch(edge, certs, key), BODIES[key], HIT)
        assert_served(fetch(edge, certs, key, http2=True), BODIES[key], HIT)
    assert (cache_dir(edge) / "keys.json").read_text() == before, "the same data key, not a new one"


# --------------------------------------------------------------------------
# tampering is detected and never served


def test_altered_or_swapped_chunks_are_fetched_again_never_served(servers: ServerFactory, origin, certs: Certs):
    edge = start(servers, origin, edge_config(servers, origin))
    warm(edge, certs, ["/notes/receipt.txt", "/twins/one.bin", "/twins/two.bin", "/blobs/big.bin"])
    assert edge.stop() == 0
    environment = open_cache(edge)
    body = environment.open_db(b"body", create=False)
    receipt, one, two = (chunk_keys(environment, p) for p in ["/notes/receipt.txt", "/twins/one.bin", "/twins/two.bin"])
    big = chunk_keys(environment, "/blobs/big.bin")
    assert len(receipt) == len(one) == len(two) == 1 and len(big) == 4
    with environment.begin(write=True, db=body) as txn:
        value = bytearray(txn.get(receipt[0]))
        value[100] ^= 0x01                                      # one bit of the receipt
        txn.put(receipt[0], bytes(value))
        first, second = txn.get(one[0]), txn.get(two[0])        # the twins: same length, swapped
        txn.put(one[0], second)
        txn.put(two[0], first)
        zero, one_ = txn.get(big[0]), txn.get(big[1])           # the big blob: chunks 0 and 1 swapped
        txn.put(big[0], one_)
        txn.put(big[1], zero)
    environment.close()

    edge = start(servers, origin, edge.test_config, config_path=edge.config_path)
    for key in ["/notes/receipt.txt", "/twins/one.bin", "/twins/two.bin", "/blobs/big.bin"]:
        # Detected before the response starts: fetched again, whole and exact.
        assert_served(fetch(edge, certs, key), BODIES[key], MISS)
        assert_served(fetch(edge, certs, key), BODIES[key], HIT)
    assert metric(scrape(edge, certs), "s3edge_cache_unreadable_entries_total") == 4
    assert len(re.findall(r"cache entry failed to decrypt; dropped and fetched again", edge.log())) == 4, edge.log()


def test_a_chunk_altered_past_the_first_cuts_the_response_and_the_next_request_refetches(
        servers: ServerFactory, origin, certs: Certs):
    edge = start(servers, origin, edge_config(servers, origin))
    warm(edge, certs, ["/blobs/big.bin"])
    assert edge.stop() == 0
    environment = open_cache(edge)
    body = environment.open_db(b"body", create=False)
    big = chunk_keys(environment, "/blobs/big.bin")
    with environment.begin(write=True, db=body) as txn:
        value = bytearray(txn.get(big[2]))
        value[5000] ^= 0x80
        txn.put(big[2], bytes(value))
    environment.close()

    edge = start(servers, origin, edge.test_config, config_path=edge.config_path)
    cut = fetch(edge, certs, "/blobs/big.bin")
    # The head (200, Content-Length) was out before chunk 2 was read: the response is cut off,
    # as when an origin fails mid-body, and what arrived is an exact prefix of the object.
    assert cut.returncode != 0, str(cut)
    assert cut.status == 200 and cut.x_cache == HIT
    assert 2 * CHUNK <= len(cut.body) < 3 * CHUNK
    assert cut.body == BODIES["/blobs/big.bin"][:len(cut.body)]
    assert_served(fetch(edge, certs, "/blobs/big.bin"), BODIES["/blobs/big.bin"], MISS)
    assert metric(scrape(edge, certs), "s3edge_cache_unreadable_entries_total") == 1


# --------------------------------------------------------------------------
# KMS refuses: pass-through, with the cause and the fix


def test_kms_denied_at_start_serves_as_a_pass_through_and_says_why(servers: ServerFactory, origin, certs: Certs):
    edge = start(servers, origin, edge_config(servers, origin), denied=True)
    line = edge.wait_for_log(r"cache off, serving as a pass-through proxy: the cache's data key is not available: .*", timeout=15)
    assert line, edge.log()
    assert "AccessDenied" in line.group(0) and "kms:GenerateDataKey" in edge.log() and "kms:Decrypt" in edge.log()
    for _ in range(2):
        r = fetch(edge, certs, "/invoices/2026-11.pdf")
        assert r.returncode == 0 and r.status == 200 and r.body == BODIES["/invoices/2026-11.pdf"], str(r)
        assert r.x_cache == MISS
    text = scrape(edge, certs)
    assert metric(text, "s3edge_cache_key_ready") == 0
    assert metric(text, "s3edge_cache_kms_failures_total") >= 1
    assert metric(text, "s3edge_cache_entries") == 0
    assert not (cache_dir(edge) / "keys.json").exists()


def test_kms_unreachable_at_start_then_back_turns_the_cache_on(servers: ServerFactory, origin, certs: Certs):
    bucket, cache_kms = origin
    port = free_port()
    config = edge_config(servers, origin)
    config["cache"]["encryption"]["kms_endpoint"] = f"http://127.0.0.1:{port}"
    edge = start(servers, origin, config)
    assert edge.wait_for_log(r"cache off, serving as a pass-through proxy: .*", timeout=15), edge.log()
    r = fetch(edge, certs, "/notes/receipt.txt")
    assert r.status == 200 and r.body == BODIES["/notes/receipt.txt"] and r.x_cache == MISS
    host, moto_port = bucket.endpoint.removeprefix("http://").rsplit(":", 1)
    relay = TCPRelay((host, int(moto_port)), port)
    try:
        # Retries at 2 s, then 4 s, 8 s...: the cache turns on at the first one that reaches KMS.
        assert edge.wait_for_log(r"cache encrypted with a KMS data key; caching is on", timeout=20), edge.log()
        assert wait_until(lambda: metric(scrape(edge, certs), "s3edge_cache_key_ready") == 1, 5)
        warm(edge, certs, ["/notes/receipt.txt"])
    finally:
        relay.close()


# --------------------------------------------------------------------------
# rotation


def test_rotate_key_seals_new_entries_with_a_new_key_and_old_ones_stay_hits(servers: ServerFactory, origin, certs: Certs,
                                                                            s3edge_bin: Path):
    edge = start(servers, origin, edge_config(servers, origin))
    warm(edge, certs, ["/invoices/2026-11.pdf"])
    rotated = run([s3edge_bin, "cache", "rotate-key", "--config", edge.config_path])
    assert rotated.returncode == 0, rotated.stderr
    answer = rotated.stdout.decode() if isinstance(rotated.stdout, bytes) else rotated.stdout
    previous, current = re.search(r'"previous_key_id": "([0-9a-f]{8})", "key_id": "([0-9a-f]{8})"', answer).groups()
    assert previous != current
    assert re.search(r"cache data key rotated", edge.log())
    warm(edge, certs, ["/avatars/ada.png"])
    assert_served(fetch(edge, certs, "/invoices/2026-11.pdf"), BODIES["/invoices/2026-11.pdf"], HIT)
    keys = (cache_dir(edge) / "keys.json").read_text()
    assert previous in keys and current in keys
    # After a restart both keys come back from KMS and both entries are hits.
    edge = restart(servers, origin, edge)
    for key in ["/invoices/2026-11.pdf", "/avatars/ada.png"]:
        assert_served(fetch(edge, certs, key), BODIES[key], HIT)
    status, _, body = admin_request(edge, certs, "GET", "/status")
    assert status == 200 and f'"key_id" : "{current}"' in body.decode()


def test_a_changed_kms_key_id_makes_a_new_data_key_at_start_and_old_entries_stay_hits(
        servers: ServerFactory, origin, certs: Certs):
    bucket, cache_kms = origin
    edge = start(servers, origin, edge_config(servers, origin))
    warm(edge, certs, ["/avatars/ada.png"])
    first = re.search(r'"current" : "([0-9a-f]{8})"', (cache_dir(edge) / "keys.json").read_text()).group(1)
    config = edge.test_config
    config["cache"]["encryption"]["kms_key_id"] = cache_kms.key_arn   # the same key, named by ARN now
    edge = restart(servers, origin, edge, config)
    assert edge.wait_for_log(r"cache data key created \(kms_key_id changed to arn:aws:kms:"), edge.log()
    keys = (cache_dir(edge) / "keys.json").read_text()
    second = re.search(r'"current" : "([0-9a-f]{8})"', keys).group(1)
    assert second != first and first in keys
    assert_served(fetch(edge, certs, "/avatars/ada.png"), BODIES["/avatars/ada.png"], HIT)
    warm(edge, certs, ["/notes/receipt.txt"])


# --------------------------------------------------------------------------
# key_file, and switching from clear


def test_key_file_mode_encrypts_and_a_bad_key_file_is_refused(servers: ServerFactory, origin, certs: Certs, tmp_path: Path):
    key = tmp_path / "cache.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o400)
    config = edge_config(servers, origin, encryption={"mode": "key_file", "key_file": str(key)})
    edge = start(servers, origin, config)
    warm(edge, certs, ["/notes/receipt.txt"])
    assert edge.stop() == 0
    assert b"RECEIPT-PLAINTEXT-MARKER" not in cache_files(edge)

    short = tmp_path / "short.key"
    short.write_bytes(os.urandom(31))
    short.chmod(0o400)
    wide = tmp_path / "wide.key"
    wide.write_bytes(os.urandom(32))
    wide.chmod(0o644)
    for bad, expected in [(short, r"31 bytes"), (wide, r"chmod 400")]:
        config["cache"]["encryption"]["key_file"] = str(bad)
        failed = start(servers, origin, config, config_path=edge.config_path, expect_ready=False)
        assert failed.wait(15) == 1, failed.log()
        assert re.search(expected, failed.log()), failed.log()
        assert "not starting" in failed.log()


def test_turning_encryption_on_replaces_a_cache_kept_in_clear(servers: ServerFactory, origin, certs: Certs):
    config = edge_config(servers, origin, encryption={"mode": "none"})
    edge = start(servers, origin, config)
    assert edge.wait_for_log(r"cached objects are stored in clear on disk"), edge.log()
    warm(edge, certs, ["/notes/receipt.txt"])
    assert edge.stop() == 0
    assert b"RECEIPT-PLAINTEXT-MARKER" in cache_files(edge), "in clear, as the warning said"

    config = edge_config(servers, origin, directory=edge.config_path.parent)
    edge = start(servers, origin, config, config_path=edge.config_path)
    assert edge.wait_for_log(r"cache\.encryption is now on and the file holds objects stored in clear"), edge.log()
    assert_served(fetch(edge, certs, "/notes/receipt.txt"), BODIES["/notes/receipt.txt"], MISS)
    assert edge.stop() == 0
    assert b"RECEIPT-PLAINTEXT-MARKER" not in cache_files(edge)
