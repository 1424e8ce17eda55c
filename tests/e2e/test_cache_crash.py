"""Crash safety of the cache: s3edge killed with SIGKILL at random moments while many objects are
being fetched and stored, then started again on the same cache, never serves a wrong or truncated
object.

Each cycle sends load through several parallel curl clients (HTTP/1.1 and HTTP/2): objects of
assorted sizes from 1 KiB to 1 MiB (some exactly on, some across the store's 256 KiB chunks), new
ones each cycle (fills) and a stable set (hits once stored). SIGKILL lands at a random moment
mid-load; the server is started again on the same configuration and cache directory, and every
object of the cycle (and the previous one) is requested: each answer, hit or miss, must be
complete and byte-identical to the origin's (length and SHA-256). Hits must have happened, or the
test would prove nothing about the cache.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import HOST, Certs, Server, ServerFactory, origin_env, with_origin
from fake_origin import FakeOrigin, RecordedRequest

ACCESS = origin_env("AKIAS3EDGEE2ECRASH01", "crash/secret/key/for/the/e2e/tests/0000000000")
HIT = "Hit from s3edge"

CYCLES = 20
STABLE = [f"/stable/o{i}.bin" for i in range(20)]
FRESH_PER_CYCLE = 24
CLIENTS = [False, True, False, True]  # HTTP/2?
PARALLEL = 6
SIZES = [1024, 3000, 17_000, 65_536, 100_000, 262_143, 262_144, 262_145, 300_000, 524_288, 700_000,
         1_000_000, 1_048_576]


def object_for(path: str) -> bytes:
    """The origin's object at viewer path `path`: size and bytes derived from the path."""
    seed = int.from_bytes(hashlib.sha256(path.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    return rng.randbytes(SIZES[seed % len(SIZES)])


def fresh(cycle: int) -> list[str]:
    return [f"/c{cycle}/o{i}.bin" for i in range(FRESH_PER_CYCLE)]


@dataclass
class Transfer:
    path: str
    status: int
    exitcode: int
    size: int
    x_cache: str
    body: bytes


def curl_many(edge: Server, certs: Certs, paths: list[str], out_dir: Path, *, http2: bool,
              parallel: int = PARALLEL) -> subprocess.Popen:
    """One curl client fetching `paths` `parallel` at a time; one output file per transfer."""
    out_dir.mkdir(parents=True, exist_ok=True)
    args = ["curl", "-q", "--silent", "--max-time", "20", "--resolve", f"{HOST}:{edge.https_port}:127.0.0.1",
            "--cacert", str(certs.ca_bundle), "--http2" if http2 else "--http1.1", "--parallel",
            "--parallel-max", str(parallel), "--write-out",
            "%{url_effective} %{http_code} %{exitcode} %{size_download} [%header{x-cache}]\\n"]
    for i, path in enumerate(paths):
        args += ["--output", str(out_dir / f"t{i}"), f"https://{HOST}:{edge.https_port}{path}"]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def collect(client: subprocess.Popen, paths: list[str], out_dir: Path, timeout: float = 30) -> list[Transfer]:
    try:
        stdout, _ = client.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        client.kill()
        stdout, _ = client.communicate()
    index = {}
    for i, path in enumerate(paths):
        index.setdefault(path, []).append(i)
    transfers = []
    for line in stdout.splitlines():
        url, status, exitcode, size, rest = line.split(" ", 4)
        path = "/" + url.split("/", 3)[3]
        i = index[path].pop(0)
        f = out_dir / f"t{i}"
        transfers.append(Transfer(path, int(status), int(exitcode), int(size), rest.strip("[]"),
                                  f.read_bytes() if f.exists() else b""))
    return transfers


def check_complete(t: Transfer, when: str, log: str) -> None:
    want = object_for(t.path)
    assert t.exitcode == 0, f"{when}: {t.path}: curl exit {t.exitcode} (X-Cache {t.x_cache!r})\n{log}"
    assert t.status == 200, f"{when}: {t.path}: status {t.status}\n{log}"
    assert len(t.body) == len(want) == t.size, (
        f"{when}: {t.path} ({t.x_cache}): {len(t.body)} bytes, the object has {len(want)}")
    assert hashlib.sha256(t.body).digest() == hashlib.sha256(want).digest(), (
        f"{when}: {t.path} ({t.x_cache}): {len(t.body)} bytes with the right length but wrong content")


def start(factory: ServerFactory, endpoint: str, config_path: Path | None) -> Server:
    config = with_origin(factory.config(), endpoint)  # new ports each time, the same cache directory
    return factory.start(config, config_path=config_path, env=ACCESS)


def test_sigkill_mid_load_never_leaves_a_wrong_object(servers: ServerFactory, fake_origin: FakeOrigin,
                                                      certs: Certs, tmp_path: Path):
    def answer(request: RecordedRequest):
        path = request.path.removeprefix("/assets-123")
        return FakeOrigin.trickle(object_for(path), 65536, 0.004)(request)

    fake_origin.behaviour = answer
    rng = random.Random(20241001)
    edge = start(servers, fake_origin.endpoint, None)
    config_path = edge.config_path
    hits = checked = interrupted = completed_under_load = recovered = 0
    started = time.monotonic()
    for cycle in range(CYCLES):
        # Load: fills of new objects and requests for the stable ones, killed at a random moment.
        paths = fresh(cycle) + STABLE
        clients = []
        for n, http2 in enumerate(CLIENTS):
            order = paths[:]
            rng.shuffle(order)
            out = tmp_path / f"load{cycle}-{n}"
            clients.append((curl_many(edge, certs, order, out, http2=http2), order, out))
        time.sleep(rng.uniform(0.05, 0.8))
        edge.proc.kill()
        edge.proc.wait(timeout=5)
        edge_log = edge.log()[-3000:]
        for client, order, out in clients:
            for t in collect(client, order, out):
                if t.exitcode == 0:  # finished before the kill: it must be right too
                    completed_under_load += 1
                    check_complete(t, f"cycle {cycle} before the kill", edge_log)
                else:
                    interrupted += 1
        edge.kill()

        # Restart on the same cache: everything requested comes back whole.
        edge = start(servers, fake_origin.endpoint, config_path)
        check = fresh(cycle) + STABLE + (fresh(cycle - 1) if cycle else [])
        out = tmp_path / f"check{cycle}"
        for t in collect(curl_many(edge, certs, check, out, http2=cycle % 2 == 1, parallel=8), check, out):
            check_complete(t, f"cycle {cycle} after the restart", edge.log()[-3000:])
            checked += 1
            hits += t.x_cache == HIT
        log = edge.log()
        assert "is unreadable" not in log, f"cycle {cycle}: SIGKILL left a cache that had to be rebuilt:\n{log}"
        recovered += "recovered from an interrupted run" in log
        assert checked == sum(len(fresh(c)) + len(STABLE) + (len(fresh(c - 1)) if c else 0)
                              for c in range(cycle + 1)), "some check requests got no answer"
        for directory in [out, *(o for _, _, o in clients)]:
            shutil.rmtree(directory, ignore_errors=True)
    elapsed = time.monotonic() - started
    print(f"\n{CYCLES} cycles in {elapsed:.1f} s: {completed_under_load} transfers completed and "
          f"{interrupted} interrupted under load; {checked} checked after restarts, {hits} of them hits; "
          f"{recovered} restarts logged a recovery")
    assert interrupted > CYCLES, f"only {interrupted} transfers were cut by the kills: the kills missed the load"
    assert hits >= checked // 4, f"only {hits} of {checked} answers after restarts were hits"
