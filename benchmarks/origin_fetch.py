#!/usr/bin/env python3
"""Origin fetch benchmark: objects through s3edge vs straight from the same origin, with curl.

Driven by benchmarks/origin-fetch (which picks the interpreter and does the last-resort
cleanup); run that, not this.

For each origin (a keep-alive fake S3 from tests/e2e/fake_origin.py, standard library only; and
moto_server with IAM enforcement when the project's .venv has moto), and for a 1 KiB and a
1 MiB object, N requests each (default 50), interleaved so drift hits both paths alike:

  through  curl --http1.1 https://localhost:EDGE/KEY             (new TLS connection to s3edge
                                                                    each time; s3edge signs and
                                                                    fetches from the origin)
  direct   curl --http1.1 http://127.0.0.1:ORIGIN/BUCKET/KEY     (signed by curl --aws-sigv4
                                                                    for moto, which checks it)

each a fresh curl process; `-w` gives time_pretransfer (connection and TLS set up),
time_starttransfer (first byte) and time_total. Reported: median and p90 of the time to first
byte, of the wait for the first byte after the request was sent (starttransfer - pretransfer:
the server's own latency, without TCP/TLS setup), and of the total.

Then origin TCP connections over M sequential requests through a freshly started s3edge (default
1,000; one curl process, one keep-alive viewer connection): counted as accepts at the fake origin, and at a
counting TCP relay in front of moto (which closes every connection). Also s3edge's CPU time for
those requests (the relay slows the moto run's requests/s a little).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from bench_common import cpu_seconds, free_port, log, record_pid, run_main, set_log_prefix, start_s3edge  # noqa: E402
from fake_origin import FakeOrigin, object_answer  # noqa: E402  (standard library only)
from tcp_relay import TCPRelay  # noqa: E402  (standard library only)

BUCKET = "bench-bucket"
REGION = "eu-west-2"
FAKE_KEY = ("AKIAS3EDGEBENCHFAKE0", "bench/fake/secret/key/0000000000000000000")
SIZES = [("1 KiB", "obj-1k.bin", 1024), ("1 MiB", "obj-1m.bin", 1024 * 1024)]
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
MAX_SECONDS = 600

set_log_prefix("origin-fetch")


# --------------------------------------------------------------------------- s3edge


class Edge:
    def __init__(self, binary: str, workdir: Path, name: str, endpoint: str, credentials: tuple[str, str]) -> None:
        self.port = free_port()
        self.dir = workdir / name
        self.dir.mkdir()
        config = self.dir / "s3edge.yaml"
        config.write_text(
            "listen:\n"
            f'  https: "127.0.0.1:{self.port}"\n'
            "tls:\n"
            "  certificates:\n"
            f"    - cert: {workdir / 'cert.pem'}\n"
            f"      key: {workdir / 'key.pem'}\n"
            "log: { level: warning }\n"
            # Its own cache directory (not /var/cache/s3edge), and CloudFront's CachingDisabled
            # policy: every request through s3edge is an origin fetch, which is what is measured.
            f"cache: {{ path: {self.dir / 'cache'}, max_size: 64MiB }}\n"
            "distributions:\n"
            "  - id: BENCH\n"
            "    hostnames: [localhost]\n"
            "    cache_policy: { min_ttl: 0, default_ttl: 0, max_ttl: 0 }\n"
            "    max_object_size: 16MiB\n"
            "    origin:\n"
            f"      bucket: {BUCKET}\n"
            f"      region: {REGION}\n"
            f"      endpoint: {endpoint}\n"
        )
        server = start_s3edge(binary, config, workdir, self.port, log_path=self.dir / "s3edge.log",
                              env={"AWS_ACCESS_KEY_ID": credentials[0], "AWS_SECRET_ACCESS_KEY": credentials[1]})
        self.proc = server.proc
        self.log_path = Path(server.log_path)

    def url(self, key: str) -> str:
        return f"https://localhost:{self.port}/{key}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------- origins


class Origin:
    name = ""
    endpoint = ""
    credentials: tuple[str, str] = ("", "")
    direct_args: list[str] = []
    port = 0

    def connections(self) -> int | None:
        """Origin TCP connections accepted so far (None: counted another way)."""
        return None

    def stop(self) -> None:
        pass


class Fake(Origin):
    name = "fake S3 (keep-alive, Python)"

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.origin = FakeOrigin()
        self.origin.objects = {f"/{BUCKET}/{key}": object_answer(body) for key, body in bodies.items()}
        self.endpoint = self.origin.endpoint
        self.port = self.origin.port
        self.credentials = FAKE_KEY

    def connections(self) -> int:
        return self.origin.accepts

    def stop(self) -> None:
        self.origin.close()


class Moto(Origin):
    name = "moto_server (IAM enforced, closes every connection)"

    def __init__(self, workdir: Path, bodies: dict[str, bytes]) -> None:
        from moto_origin import MotoServer, SeedObject, enable_auth, seed_private_bucket

        self.server = MotoServer(free_port(), workdir / "moto.log").start()
        record_pid(workdir, self.server.proc.pid)
        seeded = seed_private_bucket(self.server.endpoint, BUCKET,
                                     [SeedObject(k, b, "application/octet-stream") for k, b in bodies.items()],
                                     region=REGION)
        enable_auth(self.server.endpoint)
        self.endpoint = self.server.endpoint
        self.port = self.server.port
        self.credentials = (seeded.access_key_id, seeded.secret_access_key)
        # curl signs the direct requests itself; S3 wants the payload hash header.
        self.direct_args = ["--aws-sigv4", f"aws:amz:{REGION}:s3", "--user", f"{self.credentials[0]}:{self.credentials[1]}",
                            "--header", f"x-amz-content-sha256: {EMPTY_SHA256}"]

    def stop(self) -> None:
        self.server.stop()


# --------------------------------------------------------------------------- measuring

WRITE_OUT = "%{http_code} %{time_pretransfer} %{time_starttransfer} %{time_total} %{size_download}\\n"


def curl_once(url: str, extra: list[str], cacert: Path | None) -> tuple[float, float, float]:
    args = ["curl", "-q", "-s", "-S", "--http1.1", "--max-time", "30", "-o", "/dev/null", "-w", WRITE_OUT]
    if cacert:
        args += ["--cacert", str(cacert)]
    result = subprocess.run([*args, *extra, url], capture_output=True, text=True, timeout=40)
    fields = result.stdout.split()
    if result.returncode != 0 or len(fields) != 5 or fields[0] != "200":
        raise RuntimeError(f"curl {url}: exit {result.returncode}, {result.stdout!r} {result.stderr!r}")
    _, pre, start, total, _ = fields
    return float(pre), float(start), float(total)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(samples: list[tuple[float, float, float]]) -> dict[str, float]:
    ttfb = [s[1] * 1000 for s in samples]
    wait = [(s[1] - s[0]) * 1000 for s in samples]
    total = [s[2] * 1000 for s in samples]
    return {"ttfb50": pct(ttfb, 50), "ttfb90": pct(ttfb, 90), "wait50": pct(wait, 50), "wait90": pct(wait, 90),
            "total50": pct(total, 50), "total90": pct(total, 90)}


def sequential(edge: Edge, origin: Origin, count: int, workdir: Path, cacert: Path,
               relay: TCPRelay | None) -> dict[str, float]:
    """`count` requests through s3edge over one keep-alive viewer connection; origin connections
    counted by the origin itself, or by `relay` in front of it."""
    config = workdir / f"seq-{origin.port}.curl"
    with open(config, "w") as f:
        for i in range(count):
            f.write(f'url = "{edge.url(SIZES[0][1])}"\noutput = "/dev/null"\n')
    accepts_before = relay.accepts if relay else origin.connections()
    cpu_before = cpu_seconds(edge.proc.pid)
    start = time.monotonic()
    result = subprocess.run(["curl", "-q", "-s", "-S", "--http1.1", "--cacert", str(cacert), "-w", "%{http_code}\\n",
                             "-K", str(config)], capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - start
    cpu = cpu_seconds(edge.proc.pid) - cpu_before
    codes = result.stdout.split()
    if result.returncode != 0 or codes != ["200"] * count:
        bad = sum(1 for c in codes if c != "200")
        raise RuntimeError(f"sequential run: curl exit {result.returncode}, {bad} non-200 of {len(codes)}: "
                           f"{result.stderr[-500:]}")
    if relay:
        connections, how = relay.accepts - accepts_before, "accepts at a counting TCP relay in front of moto"
    else:
        connections, how = origin.connections() - accepts_before, "accepts at the fake origin"
    return {"connections": connections, "how": how, "elapsed": elapsed, "rps": count / elapsed,
            "cpu_us": cpu / count * 1e6}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--sequential", type=int, default=1000)
    parser.add_argument("--no-moto", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    workdir = Path(args.workdir)

    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run([args.bin, "make-cert", "--cert", cert, "--key", key, "localhost"], check=True,
                   capture_output=True)
    rng = random.Random(7)
    bodies = {name: rng.randbytes(size) for _, name, size in SIZES}

    origins: list[Origin] = [Fake(bodies)]
    if not args.no_moto:
        try:
            import moto  # noqa: F401
            origins.append(Moto(workdir, bodies))
        except ImportError:
            log("moto is not importable from this interpreter: fake origin only (scripts/install-deps makes .venv)")

    results = []
    try:
        for origin in origins:
            edge = Edge(args.bin, workdir, f"edge-{origin.port}", origin.endpoint, origin.credentials)
            try:
                log(f"{origin.name}: {args.n} x {len(SIZES)} sizes x 2 paths")
                direct_base = f"{origin.endpoint}/{BUCKET}/"
                for _, key, _ in SIZES:  # warm-up, and a check that both paths serve the object
                    for _ in range(3):
                        curl_once(edge.url(key), [], cert)
                        curl_once(direct_base + key, origin.direct_args, None)
                by_size = {}
                for label, key, size in SIZES:
                    through, direct = [], []
                    for i in range(args.n):
                        order = [(through, edge.url(key), [], cert), (direct, direct_base + key, origin.direct_args, None)]
                        if i % 2:
                            order.reverse()
                        for bucket, url, extra, cacert in order:
                            bucket.append(curl_once(url, extra, cacert))
                    by_size[label] = (summary(through), summary(direct))
            finally:
                edge.stop()
            # A fresh s3edge, so that every origin connection it opens is counted.
            relay = TCPRelay(("127.0.0.1", origin.port)) if origin.connections() is None else None
            endpoint = f"http://127.0.0.1:{relay.port}" if relay else origin.endpoint
            edge = Edge(args.bin, workdir, f"edge-seq-{origin.port}", endpoint, origin.credentials)
            try:
                log(f"{origin.name}: {args.sequential} sequential requests through a fresh s3edge")
                seq = sequential(edge, origin, args.sequential, workdir, cert, relay)
                results.append((origin, by_size, seq))
            finally:
                edge.stop()
                if relay:
                    relay.close()
    finally:
        for origin in origins:
            origin.stop()

    load = os.getloadavg()
    lines = [f"# s3edge origin fetch: through s3edge vs direct (loopback, "
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M:%S} UTC)", "",
             f"Machine: {os.cpu_count()} CPUs shared by s3edge, the origin and curl; load average before the run "
             f"{load[0]:.2f}. Each sample is a fresh curl process (`--http1.1`): through s3edge includes a new "
             f"TLS 1.3 connection to s3edge; direct is plain http to the origin (signed by curl --aws-sigv4 for "
             f"moto). No cache: every request through s3edge is an origin fetch. N={args.n} per cell, "
             f"milliseconds.", ""]
    lines.append("| origin | object | path | TTFB p50 | TTFB p90 | wait p50 | wait p90 | total p50 | total p90 |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for origin, by_size, _ in results:
        for label, (through, direct) in by_size.items():
            for path, s in (("through s3edge", through), ("direct", direct)):
                lines.append(f"| {origin.name} | {label} | {path} | {s['ttfb50']:.2f} | {s['ttfb90']:.2f} | "
                             f"{s['wait50']:.2f} | {s['wait90']:.2f} | {s['total50']:.2f} | {s['total90']:.2f} |")
    lines += ["", "TTFB = time_starttransfer; wait = time_starttransfer - time_pretransfer (from the request "
              "sent to the first byte, without TCP/TLS setup: what s3edge adds on top of the origin's own "
              "latency shows as the difference of the wait columns); total = time_total.", ""]
    lines.append(f"| origin | sequential requests through a fresh s3edge (1 KiB, one keep-alive viewer connection) "
                 f"| origin TCP connections | counted as | requests/s | s3edge CPU µs/request |")
    lines.append("|---|---:|---:|---|---:|---:|")
    for origin, _, seq in results:
        lines.append(f"| {origin.name} | {args.sequential} | {seq['connections']} | {seq['how']} | "
                     f"{seq['rps']:.0f} | {seq['cpu_us']:.0f} |")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        Path(args.out).write_text(report)
        log(f"report written to {args.out}")
    return 0


if __name__ == "__main__":
    run_main(main, MAX_SECONDS)
