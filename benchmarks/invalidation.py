#!/usr/bin/python3
"""Invalidation benchmark: from an invalidation's 201 to the first miss, with N cached entries,
s3edge beside nginx proxy_cache.

Driven by benchmarks/invalidation (which does the preflight and the last-resort cleanup); run
that, not this. Standard library only. The origin, the two caches' configurations and the fill
are cache_hit.py's (imported, not copied): an nginx origin standing in for S3 that answers
/BUCKET/e/NNNNNNNN.bin with 1 KiB naming the key, s3edge (here with an admin listener, TLS, a
bearer token) and nginx proxy_cache (levels=1:2, proxy_cache_key $host$uri) beside it.

The claim measured: once s3edge's CreateInvalidation has answered 201, the next viewer request
for an invalidated object is a miss, and what that costs does not depend on how many objects are
cached, for one path, a prefix and `/*`. Open-source nginx has no purge: operators delete cache
files (the file named by the md5 of the cache key; `grep -rl "^KEY: prefix"` then rm; everything
under the cache directory), which is what its column does.

Keys (entry k is /e/%08d.bin, so a path prefix is a range of k aligned on a power of ten):
  half A = [0, N/2)                   all of it under one prefix (/e/00*, for N = 1,000,000):
                                      the "50%" cases
  half B = [10^d, 10^d + N/2)         10^d >= N/2; its top holds `reps` ranges of 10^e keys each
                                      (10^e nearest N/100: the "1%" prefixes) and below them the
                                      exact keys; the rest of B is invalidated only by `/*` and
                                      is where the throughput runs draw their random keys

Phases: fill both caches (cache_hit's wrk fill), check a sample are hits; exact path x reps,
1% prefix x reps, 50% prefix; refill what those hid; hits/s (wrk, random keys of the rest of B)
before, then during an invalidation of the 50% prefix; refill; `/*`. Per case and cache: the
API call (s3edge: POST until its 201 is read; nginx: the purge until it returned), then the first
viewer GET of an invalidated key on a connection opened before (must be a miss with the origin's
bytes), then a key outside the invalidation (must still be a hit); s3edge: the sweep's log line
(`invalidation sweep finished ... deleted_entries= ms=`).
"""

import datetime
import hashlib
import http.client
import math
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import threading
import time

from bench_common import (  # benchmarks/bench_common.py: helpers shared with the other benchmarks
    NCPU, checks_section, client_context, driver_parser, exit_status, fmt, machine_busy_seconds, free_ports, header,
    loadavg, log, make_cert, parse_wrk, publish_report, ratio, record_pid, run_main, set_log_prefix, stop_wrk, tail,
    tool_versions,
)
from cache_hit import (  # the origin, both caches, their start and the fill: see cache_hit.py
    ENTRY_FORMAT, H1_CONNECTIONS, H1_THREADS, HIT, SENTINEL, SERVERS, Bench, cache_dirs, cache_sizes,
    entry_body_template, get_until_hit, is_hit, start_servers,
)

set_log_prefix("invalidation")

DISTRIBUTION = "BENCH"  # cache_hit.s3edge_conf's distribution id
HOST = "localhost"  # the viewers' Host; nginx's cache key is $host$uri
MISS = {"s3edge": "Miss from s3edge", "nginx": "MISS"}
SWEEP_DONE = "invalidation sweep finished"
SWEEP_FAILED = "invalidation sweep stopped"
LEFTOVER_WAIT = 0.5  # s of load before the invalidation in the throughput-during run


def median_max(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.median(values), max(values)


# --------------------------------------------------------------------------- which keys


class Layout:
    """The cached keys and what each case invalidates (see the module doc)."""

    def __init__(self, n, reps):
        if n < 1000:
            raise RuntimeError("--entries must be at least 1,000")
        self.n, self.reps = n, reps
        self.half = n // 2
        self.d = 0
        while 10 ** self.d < self.half:
            self.d += 1
        if self.d > 7:
            raise RuntimeError("--entries must be at most 20,000,000 (8-digit keys)")
        self.p = 10 ** self.d  # first key of half B
        self.b_count = n - self.half
        # The "1%" ranges: 10^e keys each, 10^e the power of ten nearest N/100.
        self.e = min(range(self.d), key=lambda e: abs(e - math.log10(n / 100)))
        self.step = 10 ** self.e
        top = (self.p + self.b_count) // self.step * self.step
        self.x = top - reps * self.step  # first key of the 1% ranges
        # Highest range first: each range's check key (the one just below it) is then still cached.
        self.ranges = [(self.x + i * self.step, self.x + (i + 1) * self.step) for i in reversed(range(reps))]
        self.exact = [self.x - 11 - i for i in range(reps)]
        self.random_lo, self.random_hi = self.p, self.x - 20  # untouched by all but /*
        if self.random_hi - self.random_lo < self.b_count // 4:
            raise RuntimeError(f"--entries {n:,} leaves too few untouched keys for {reps} repetitions")
        self.fill_ranges = [(0, self.half), (self.p, self.p + self.b_count)]

    @staticmethod
    def path(k):
        return ENTRY_FORMAT % k

    def prefix(self, lo, digits):
        """The invalidation path covering the 10^digits keys from lo (lo aligned)."""
        return "/e/" + ("%08d" % lo)[:8 - digits] + "*"

    @property
    def half_prefix(self):
        return self.prefix(0, self.d)

    def random_env(self, seed):
        """cache_hit's RANDOM_LUA over [random_lo, random_hi): B's keys are "0..01" + d digits."""
        lead = ("%08d" % self.p)[:8 - self.d]
        return {"RAND_N": str(self.random_hi - self.random_lo), "RAND_SEED": str(seed),
                "RAND_FORMAT": f"/e/{lead}%0{self.d}d.bin"}

    def sample(self, count, seed):
        rng = random.Random(seed)
        keys = {0, self.half - 1, self.p, self.p + self.b_count - 1}
        for _ in range(count):
            lo, hi = self.fill_ranges[rng.randrange(2)]
            keys.add(rng.randrange(lo, hi))
        return sorted(keys)

    def describe(self):
        return (f"{self.n:,} entries: half A = keys {0:,}..{self.half - 1:,} (all under `{self.half_prefix}`), "
                f"half B = keys {self.p:,}..{self.p + self.b_count - 1:,}; 1% prefixes of {self.step:,} keys each "
                f"({self.step / self.n:.2%} of the entries) from key {self.x:,}; exact keys "
                f"{self.exact[-1]:,}..{self.exact[0]:,}; throughput runs: random keys {self.random_lo:,}.."
                f"{self.random_hi - 1:,}")


# --------------------------------------------------------------------------- clients


class Viewer:
    """A kept-alive HTTP/1.1 connection to one cache, its TLS handshake done before anything is
    timed."""

    def __init__(self, port):
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=client_context(alpn=["http/1.1"]),
                                                timeout=60)
        self.conn.connect()

    def get(self, path):
        self.conn.request("GET", path, headers={"Host": HOST, "User-Agent": "invalidation-bench"})
        response = self.conn.getresponse()
        body = response.read()
        return {"status": response.status, "headers": response.getheaders(), "body": body}

    def close(self):
        self.conn.close()


class Admin:
    """s3edge's admin listener (TLS, bearer token)."""

    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.count = 0

    def connect(self):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=client_context(alpn=["http/1.1"]),
                                           timeout=60)
        conn.connect()
        return conn

    def call(self, conn, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = "text/xml"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()

    def create(self, paths):
        """POSTs an InvalidationBatch on a connection opened beforehand; returns (perf_counter
        before the request, perf_counter once the whole answer was read, status, body)."""
        self.count += 1
        items = "".join(f"<Path>{p}</Path>" for p in paths)
        body = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">'
                f"<Paths><Quantity>{len(paths)}</Quantity><Items>{items}</Items></Paths>"
                f"<CallerReference>bench-{os.getpid()}-{self.count}</CallerReference></InvalidationBatch>").encode()
        conn = self.connect()
        try:
            start = time.perf_counter()
            status, answer = self.call(conn, "POST", f"/2020-05-31/distribution/{DISTRIBUTION}/invalidation", body)
            return start, time.perf_counter(), status, answer
        finally:
            conn.close()

    def metric(self, name):
        conn = self.connect()
        try:
            status, text = self.call(conn, "GET", "/metrics")
        finally:
            conn.close()
        if status != 200:
            raise RuntimeError(f"GET /metrics answered {status}: {text[:300]!r}")
        m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text.decode(), re.M)
        return float(m.group(1)) if m else None


class LogWatch:
    """Follows s3edge's log for the sweep's line."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def wait_sweep(self, timeout, server):
        """The next `invalidation sweep finished` line after mark(): {ms, deleted, seen}
        (seen: perf_counter when this saw it)."""
        deadline = time.monotonic() + timeout
        pending = ""
        with open(self.path, errors="replace") as f:
            f.seek(self.offset)
            while True:
                chunk = f.read()
                if chunk:
                    pending += chunk
                    *lines, pending = pending.split("\n")
                    for line in lines:
                        if SWEEP_FAILED in line:
                            raise RuntimeError(f"s3edge: {line}")
                        if SWEEP_DONE in line:
                            seen = time.perf_counter()
                            self.offset = f.tell() - len(pending.encode())
                            ms = re.search(r"\bms=\"?(\d+)", line)
                            deleted = re.search(r"\bdeleted_entries=\"?(\d+)", line)
                            return {"ms": int(ms.group(1)) if ms else None,
                                    "deleted": int(deleted.group(1)) if deleted else None, "seen": seen,
                                    "line": line.strip()}
                elif time.monotonic() > deadline:
                    raise RuntimeError(f"no '{SWEEP_DONE}' line within {timeout:.0f}s; log:\n{tail(self.path)}")
                elif not server.alive():
                    raise RuntimeError(f"s3edge died; log:\n{tail(self.path)}")
                else:
                    time.sleep(0.005)


def scratch_filesystem(workdir):
    """What the caches sit on, and what deleting a file and an fsync cost there: nginx's purge
    is one unlink per entry, and on a file system mounted with `discard` each unlink waits for
    the device's TRIM (milliseconds on a virtual disk), which then dominates nginx's figures;
    s3edge's API fsyncs its invalidations.log."""
    best = ("?", "?", "?", "")
    with open("/proc/mounts") as f:
        for line in f:
            device, point, kind, options = line.split()[:4]
            point = point.replace("\\040", " ")
            if (workdir == point or workdir.startswith(point.rstrip("/") + "/")) and len(point) >= len(best[3]):
                best = (device, kind, options, point)
    probe = os.path.join(workdir, "fs-probe")
    os.makedirs(probe)
    files = [os.path.join(probe, f"f{i}") for i in range(300)]
    for path in files:
        with open(path, "wb") as f:
            f.write(b"x" * 1600)
    os.sync()
    start = time.perf_counter()
    for path in files:
        os.unlink(path)
    unlink_ms = (time.perf_counter() - start) * 1000 / len(files)
    fd = os.open(os.path.join(probe, "log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    syncs = []
    try:
        for _ in range(20):
            os.write(fd, b"x" * 200)
            start = time.perf_counter()
            os.fsync(fd)
            syncs.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
    shutil.rmtree(probe)
    device, kind, options, point = best
    return {"device": device, "type": kind, "options": options, "mount": point, "unlink_ms": unlink_ms,
            "fsync_ms": statistics.median(syncs), "discard": "discard" in options.split(",")}


def s3edge_admin_conf(base, port, admin_port, tokens_file):
    """cache_hit's s3edge configuration plus an admin listener (TLS, bearer tokens) and log level
    info (the sweep's line)."""
    https = f'  https: "127.0.0.1:{port}"\n'
    quiet = "log: { level: warning }"
    if https not in base or quiet not in base:
        raise RuntimeError("cache_hit.s3edge_conf changed shape: cannot add the admin listener")
    return (base.replace(https, https + f'  admin: "127.0.0.1:{admin_port}"\n').replace(quiet, "log: { level: info }")
            + f"admin:\n  tls: true\n  tokens_file: {tokens_file}\n")


# --------------------------------------------------------------------------- the benchmark


class InvalidationBench:
    def __init__(self, args, workdir, layout, bench, admin, logwatch, body_of, nginx_cache):
        self.args = args
        self.workdir = workdir
        self.layout = layout
        self.bench = bench  # cache_hit.Bench: servers, origin, fill, measure, checks
        self.admin = admin
        self.logwatch = logwatch
        self.body_of = body_of
        self.nginx_cache = nginx_cache
        self.records = []  # one per case, repetition and cache
        self.throughput = []  # hits/s runs: dict(server, phase, ...)
        self.sweep_timeout = 120 + layout.n / 1000
        self.busy = None  # the rest of the machine's CPU share in the last settle()
        self.idle_waited = 0.0  # seconds settle() waited in all

    def settle(self):
        """The idle gap before a case: `gap` seconds, again and again (for up to `idle_wait` s, and
        `idle_budget` s over the whole run) while the machine is busier than `idle_below` of its
        CPUs: this benchmark's own processes are idle then, so that is someone else's load, which
        would disturb the case."""
        waited = 0.0
        while True:
            busy_before, start = machine_busy_seconds()[0], time.monotonic()
            time.sleep(self.args.gap)
            elapsed = time.monotonic() - start
            self.busy = (machine_busy_seconds()[0] - busy_before) / (elapsed * NCPU)
            if (self.busy <= self.args.idle_below or waited >= self.args.idle_wait
                    or self.idle_waited >= self.args.idle_budget):
                break
            waited += elapsed
            self.idle_waited += elapsed
        if waited:
            log(f"  waited {waited:.0f}s for the machine to be idle (busy {self.busy:.0%} of {NCPU} CPUs at the end)")
        return self.busy

    def check(self, text, ok):
        self.bench.check(text, ok)

    # ---- one invalidation, timed

    def expect_answer(self, name, what, path, answer, want_hit):
        key, hit_value = HIT[name]
        value = header(answer, key)
        k = int(path[3:11])
        ok = answer["status"] == 200 and answer["body"] == self.body_of(k) and (
            value == hit_value if want_hit else value == MISS[name])
        self.check(f"{name} {what} {path}: {answer['status']}, {key}: {value}, body = origin's: "
                   f"{answer['body'] == self.body_of(k)}", ok)
        return ok

    def run_case(self, name, case, rep, invalidate, miss_key, check_key, covered, under_load=False):
        """Invalidates (s3edge: the API; nginx: the purge), then GETs an invalidated key (a miss)
        and a key outside it (a hit). Returns and records the figures."""
        viewer = Viewer(self.bench.servers[name].port)
        miss_path = Layout.path(miss_key)
        try:
            if check_key is not None:
                warm = viewer.get(Layout.path(check_key))
                self.expect_answer(name, f"{case} #{rep}: before, outside", Layout.path(check_key), warm, True)
            before = self.admin.metric("s3edge_cache_entries") if name == "s3edge" else None
            if name == "s3edge":
                self.logwatch.mark()
            start, done, detail = invalidate()
            answer = viewer.get(miss_path)
            missed = time.perf_counter()
            miss_ok = self.expect_answer(name, f"{case} #{rep}: first GET after the "
                                         f"{'201' if name == 's3edge' else 'purge'}", miss_path, answer, False)
            if check_key is not None:
                after = viewer.get(Layout.path(check_key))
                self.expect_answer(name, f"{case} #{rep}: after, outside", Layout.path(check_key), after, True)
        finally:
            viewer.close()
        record = {"server": name, "case": case, "rep": rep, "covered": covered, "under_load": under_load,
                  "call_ms": (done - start) * 1000, "to_miss_ms": (missed - done) * 1000, "miss_ok": miss_ok,
                  "cached_before": before, "busy_before": None if under_load else self.busy,
                  "load1": float(loadavg().split()[0]), **detail}
        record["total_ms"] = record["call_ms"] + record["to_miss_ms"]
        if name == "s3edge":
            sweep = self.logwatch.wait_sweep(self.sweep_timeout, self.bench.servers[name])
            record.update(sweep_ms=sweep["ms"], sweep_deleted=sweep["deleted"],
                          sweep_seen_ms=(sweep["seen"] - done) * 1000)
            # The key fetched again after the 201 is newer than the rule: the sweep may or may not
            # have deleted its old entry first.
            self.check(f"s3edge {case} #{rep}: sweep deleted {sweep['deleted']:,} entries in {sweep['ms']:,} ms "
                       f"({covered:,} covered)", sweep["deleted"] in (covered - 1, covered))
            record["cached_after"] = self.admin.metric("s3edge_cache_entries")
        log(f"  {name} {case} #{rep}: {'API' if name == 's3edge' else 'purge'} {record['call_ms']:.2f} ms, "
            f"→ miss {record['to_miss_ms']:.2f} ms"
            + (f", sweep {record['sweep_ms']} ms deleting {record['sweep_deleted']:,}" if name == "s3edge" else
               f", files deleted {record.get('deleted_files')}"))
        self.records.append(record)
        return record

    def s3edge_invalidation(self, paths):
        def invalidate():
            start, done, status, body = self.admin.create(paths)
            if status != 201:
                raise RuntimeError(f"CreateInvalidation {paths} answered {status}: {body[:400]!r}")
            return start, done, {"paths": paths}
        return invalidate

    def nginx_file(self, k):
        """nginx's file for entry k: md5 of the proxy_cache_key, levels=1:2."""
        digest = hashlib.md5(f"{HOST}{Layout.path(k)}".encode()).hexdigest()
        return os.path.join(self.nginx_cache, digest[-1], digest[-3:-1], digest)

    def nginx_purge(self, kind, arg):
        """The operator's purge: ("file", k) deletes one file, ("grep", prefix) every file whose
        KEY line starts with it, ("all", None) everything under the cache directory."""
        def invalidate():
            detail = {"purge": kind}
            if kind == "file":
                path = self.nginx_file(arg)
                exists = os.path.exists(path)
                start = time.perf_counter()
                os.unlink(path)
                done = time.perf_counter()
                self.check(f"nginx cache file for {Layout.path(arg)} found at {path}", exists)
                detail.update(deleted_files=1, command=f"unlink {path}")
                return start, done, detail
            listing = os.path.join(self.workdir, "purge-list")
            if kind == "grep":
                command = (f"set -o pipefail; LC_ALL=C grep -rl --null -e '^KEY: {HOST}{arg}' {self.nginx_cache} "
                           f"| tee {listing} | xargs -0 -r rm -f")
            else:
                count = sum(len(files) for _, _, files in os.walk(self.nginx_cache))
                command = f"rm -rf -- {self.nginx_cache}/*"
            start = time.perf_counter()
            # A session of its own, so that an interruption stops the whole pipeline.
            proc = subprocess.Popen(["bash", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                _, err = proc.communicate(timeout=3600)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait()
            done = time.perf_counter()
            if proc.returncode != 0:
                raise RuntimeError(f"nginx purge failed (exit {proc.returncode}): {command}\n{err.decode()[-600:]}")
            if kind == "grep":
                with open(listing, "rb") as f:
                    count = f.read().count(b"\0")
            detail.update(deleted_files=count, command=command)
            return start, done, detail
        return invalidate

    def both(self, case, rep, s3edge_paths, purge, miss_key, check_key, covered):
        for name in self.bench.order():
            self.bench.alive_or_fail()
            self.settle()
            invalidate = self.s3edge_invalidation(s3edge_paths) if name == "s3edge" else self.nginx_purge(*purge)
            self.run_case(name, case, rep, invalidate, miss_key, check_key, covered)

    # ---- cases

    def exact_cases(self):
        for rep, k in enumerate(self.layout.exact, 1):
            self.both("exact path", rep, [Layout.path(k)], ("file", k), k, k - 1, 1)

    def one_percent_cases(self):
        for rep, (lo, hi) in enumerate(self.layout.ranges, 1):
            prefix = self.layout.prefix(lo, self.layout.e)
            self.both("1% prefix", rep, [prefix], ("grep", prefix[:-1]), lo, lo - 1, hi - lo)

    def half_case(self):
        prefix = self.layout.half_prefix
        self.both("50% prefix", 1, [prefix], ("grep", prefix[:-1]), 0, self.layout.p, self.layout.half)

    def everything_case(self):
        covered = int(self.admin.metric("s3edge_cache_entries") or 0)
        self.both("/*", 1, ["/*"], ("all", None), self.layout.p, None, covered)

    # ---- fills

    def refill(self, ranges):
        for lo, hi in ranges:
            for name in self.bench.order():
                # cache_hit's fill keeps its marks in fill-NAME-HI, which an earlier fill of the
                # same upper bound left behind.
                shutil.rmtree(os.path.join(self.workdir, f"fill-{name}-{hi}"), ignore_errors=True)
                self.bench.fill(name, lo, hi)

    def verify_sample(self, when):
        keys = self.layout.sample(self.args.sample, seed=len(self.bench.checks))
        before = self.bench.origin.requests()
        for name in SERVERS:
            viewer = Viewer(self.bench.servers[name].port)
            bad = []
            try:
                for k in keys:
                    answer = viewer.get(Layout.path(k))
                    if answer["status"] != 200 or answer["body"] != self.body_of(k) or not is_hit(name, answer):
                        bad.append(f"{Layout.path(k)} ({answer['status']}, {header(answer, HIT[name][0])})")
            finally:
                viewer.close()
            self.check(f"{name} {when}: {len(keys)} sampled entries are hits with the origin's bytes "
                       f"(not: {len(bad)} {bad[:3]})", not bad)
        fetched = self.bench.origin.requests() - before
        self.check(f"{when}: the samples made {fetched} origin requests", fetched == 0)

    # ---- hits/s before and during

    def hits_before(self):
        secs = self.args.load_seconds
        env = self.layout.random_env(seed=101)
        for name in self.bench.order():
            self.settle()
            r = self.bench.measure("hits/s before", name, self.bench.wrk_argv(name, "/", secs,
                                                                              script=self.bench.random_lua),
                                   parse_wrk, secs, env=env, label="before")
            self.throughput.append({"server": name, "phase": "before", "rps": r.get("rps"), "wrk": r,
                                    "window": r.get("tool_seconds"), "origin_requests": r["origin_requests"]})

    def hits_during(self):
        """wrk (random keys outside the 50% prefix), LEFTOVER_WAIT s later the invalidation of the
        50% prefix in a thread (s3edge: the API call, the miss, the sweep; nginx: the purge, the
        miss); wrk stops when that is done or `load_seconds` after it began, whichever is first."""
        secs = self.args.load_seconds
        prefix = self.layout.half_prefix
        for name in self.bench.order():
            self.bench.alive_or_fail()
            self.settle()
            invalidate = self.s3edge_invalidation([prefix]) if name == "s3edge" else \
                self.nginx_purge("grep", prefix[:-1])
            argv = self.bench.wrk_argv(name, "/", 600, script=self.bench.random_lua)
            env = dict(os.environ, **self.layout.random_env(seed=202))
            out_path = os.path.join(self.workdir, f"during-{name}.out")
            origin_before = self.bench.origin.requests()
            result = {}

            def action():
                try:
                    result["record"] = self.run_case(name, "50% prefix, under load", 1, invalidate, 0,
                                                      self.layout.p, self.layout.half, under_load=True)
                except BaseException as error:  # re-raised in the main thread
                    result["error"] = error

            log(f"hits/s during / {name}: {' '.join(argv)}, then the 50% invalidation")
            with open(out_path, "w") as out:
                proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                        stdin=subprocess.DEVNULL)
            record_pid(self.workdir, proc.pid)
            started = time.monotonic()
            thread = threading.Thread(target=action, name=f"invalidate-{name}")
            try:
                time.sleep(LEFTOVER_WAIT)
                thread.start()
                action_started = time.monotonic()
                while thread.is_alive() and time.monotonic() < action_started + secs:
                    time.sleep(0.005)
                action_done_in_window = not thread.is_alive()
            finally:
                stop_wrk(proc)
            window = time.monotonic() - started
            thread.join()
            if "error" in result:
                raise result["error"]
            with open(out_path) as f:
                wrk = parse_wrk(f.read())
            action_s = time.monotonic() - action_started if not action_done_in_window else None
            rec = result["record"]
            busy_s = (rec.get("sweep_ms") or 0) / 1000 if name == "s3edge" else rec["call_ms"] / 1000
            self.throughput.append({"server": name, "phase": "during", "rps": wrk.get("rps"), "wrk": wrk,
                                    "window": wrk.get("tool_seconds") or window, "busy_s": busy_s,
                                    "origin_requests": self.bench.origin.requests() - origin_before,
                                    "stopped_early": action_done_in_window, "action_s": action_s})
            ok = (wrk.get("requests") or 0) > 0 and not wrk.get("non2xx") and not any(
                wrk.get("socket_errors", {}).values())
            self.check(f"{name} hits/s during the 50% invalidation: {fmt(wrk.get('rps'))} over "
                       f"{wrk.get('tool_seconds') or window:.2f} s, non-2xx {wrk.get('non2xx')}, socket errors "
                       f"{wrk.get('socket_errors')}", ok)


# --------------------------------------------------------------------------- report


def cell(values, digits=2):
    med, mx = median_max(values)
    if med is None:
        return "n/a"
    if len([v for v in values if v is not None]) == 1:
        return fmt(med, digits)
    return f"{fmt(med, digits)} / {fmt(mx, digits)}"


CASES = ("exact path", "1% prefix", "50% prefix", "/*")


def make_report(args, ib, layout, started_at, load_before, load_after, versions, phase_times, total_s, workdir,
                scratch):
    recs = [r for r in ib.records if not r["under_load"]]
    by = {}
    for r in recs:
        by.setdefault((r["case"], r["server"]), []).append(r)
    lines = []
    add = lines.append
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    add(f"# Invalidation: from the 201 to the first miss, {layout.n:,} cached entries, s3edge beside nginx "
        f"({started_at:%Y-%m-%d %H:%M:%S} UTC)")
    add("")
    add(f"Machine: {NCPU} CPUs ({cpu}), {mem_gib:.0f} GiB, {platform.system()} {platform.release()}, shared by both "
        f"caches, the origin and the clients; load average before: {load_before}, after: {load_after}. "
        f"Total {total_s / 60:.1f} min. {versions}.")
    add("")
    add(f"Both caches on {scratch['type']} ({scratch['options']}) at {scratch['mount']} ({scratch['device']}): "
        f"deleting a 1.6 KB file took {scratch['unlink_ms']:.3f} ms, an fsync of an appended line "
        f"{scratch['fsync_ms']:.2f} ms (median of 20)."
        + (" **Mounted with `discard`: every unlink waits for a TRIM, which dominates nginx's purge figures; "
           "they measure the disk more than nginx.**" if scratch["discard"] else ""))
    add("")
    add(f"Entries: {layout.describe()}. Each cache held all {layout.n:,} (plus a warm object or two) before the "
        f"first exact-path case; the exact, 1% and 50% cases then ran one after the other (each 1% repetition "
        f"finds the entries the previous ones hid gone), and everything they hid was fetched again before the "
        f"throughput runs and again before `/*`.")
    add("")
    add("Times in ms, `median / max` over the repetitions (one value where there was one). **API** = s3edge's "
        "CreateInvalidation, from sending the POST until its 201 was read (on a connection opened before). "
        "**purge** = nginx's equivalent command, from its start until it returned. **→ miss** = from then until "
        "the first viewer GET of an invalidated key had its whole answer, on a kept-alive connection opened "
        "before: a miss (`X-Cache: Miss from s3edge` / `X-Cache-Status: MISS`) with the origin's bytes, so it "
        "includes one origin fetch. Ratio = s3edge (API + → miss) / nginx (purge + → miss), medians.")
    add("")
    add("| Case | n | entries covered | s3edge API | s3edge → miss | s3edge total | nginx purge | nginx → miss "
        "| nginx total | s3edge/nginx |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case in CASES:
        s = by.get((case, "s3edge"), [])
        g = by.get((case, "nginx"), [])
        if not s and not g:
            continue
        covered = median_max([r["covered"] for r in s])[0]
        share = "all" if case == "/*" else f"{(covered or 0) / layout.n:.2%}"
        a, b = median_max([r["total_ms"] for r in s])[0], median_max([r["total_ms"] for r in g])[0]
        ratio_cell = f"{a / b:.3g}" if a is not None and b else "n/a"
        add(f"| {case} | {len(s)} | {fmt(covered)} ({share}) | "
            f"{cell([r['call_ms'] for r in s])} | {cell([r['to_miss_ms'] for r in s])} | "
            f"{cell([r['total_ms'] for r in s])} | {cell([r['call_ms'] for r in g])} | "
            f"{cell([r['to_miss_ms'] for r in g])} | {cell([r['total_ms'] for r in g])} | {ratio_cell} |")
    add("")
    add("s3edge's background sweep (its log line `invalidation sweep finished`: `ms` from the invalidation to "
        "the end of the sweep, `deleted_entries`), and nginx's files deleted by the purge:")
    add("")
    add("| Case | s3edge entries before | sweep ms | sweep deleted | 201 → line seen ms | nginx files deleted | "
        "machine busy before, % of CPUs |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for case in CASES:
        s = by.get((case, "s3edge"), [])
        g = by.get((case, "nginx"), [])
        if not s:
            continue
        add(f"| {case} | {cell([r['cached_before'] for r in s], 0)} | {cell([r['sweep_ms'] for r in s], 0)} | "
            f"{cell([r['sweep_deleted'] for r in s], 0)} | {cell([r['sweep_seen_ms'] for r in s], 0)} | "
            f"{cell([r.get('deleted_files') for r in g], 0)} | "
            f"{cell([r['busy_before'] * 100 for r in s + g if r.get('busy_before') is not None], 0)} |")
    add("")
    add(f"Hits/s, wrk -t{H1_THREADS} -c{H1_CONNECTIONS} HTTP/1.1 keep-alive, random keys of the "
        f"{layout.random_hi - layout.random_lo:,} entries no case but `/*` touches: {args.load_seconds} s before; "
        f"then the same load with the 50% prefix (`{layout.half_prefix}`, {layout.half:,} entries) invalidated "
        f"{LEFTOVER_WAIT} s in, wrk stopped when the sweep (s3edge) or the purge (nginx) was over, or "
        f"{args.load_seconds} s after the invalidation began:")
    add("")
    add("| Server | hits/s before | hits/s during | during/before | during: wrk seconds | sweep/purge seconds | "
        "origin requests during | under load: API or purge ms | → miss ms |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    loaded = {r["server"]: r for r in ib.records if r["under_load"]}
    for name in SERVERS:
        before = next((t for t in ib.throughput if t["server"] == name and t["phase"] == "before"), None)
        during = next((t for t in ib.throughput if t["server"] == name and t["phase"] == "during"), None)
        if not before or not during:
            continue
        rec = loaded.get(name, {})
        add(f"| {name} | {fmt(before['rps'])} | {fmt(during['rps'])} | {ratio(during['rps'], before['rps'])} | "
            f"{fmt(during['window'], 2)} | {fmt(during['busy_s'], 2)} | {during['origin_requests']} | "
            f"{fmt(rec.get('call_ms'), 2)} | {fmt(rec.get('to_miss_ms'), 2)} |")
    add("")
    add("`origin requests during` should be 1 (the timed miss): every other request of the load was a hit.")
    add("")
    lines.extend(checks_section(ib.bench.checks, list_passed=False, most=30))
    add("")
    add("## Every invalidation")
    add("")
    add("| Case | # | Server | what | covered | API/purge ms | → miss ms | sweep ms | deleted | busy before % | "
        "load1 |")
    add("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in ib.records:
        what = ", ".join(r["paths"]) if "paths" in r else r["command"].replace(ib.nginx_cache, "CACHE").split("; ")[-1]
        add(f"| {r['case']} | {r['rep']} | {r['server']} | `{what}` | {r['covered']:,} | {r['call_ms']:.2f} | "
            f"{r['to_miss_ms']:.2f} | {fmt(r.get('sweep_ms'))} | "
            f"{fmt(r.get('sweep_deleted') if r['server'] == 's3edge' else r.get('deleted_files'))} | "
            f"{fmt(r['busy_before'] * 100 if r.get('busy_before') is not None else None)} | {r['load1']:.2f} |")
    add("")
    if ib.bench.fills:
        add("| Fill | Server | entries | seconds | entries/s |")
        add("|---|---|---:|---:|---:|")
        for f in ib.bench.fills:
            add(f"| {f['lo']:,}..{f['hi'] - 1:,} | {f['server']} | {f['count']:,} | {f['wall']:.1f} | "
                f"{fmt(f['rate'])} |")
        add("")
    add("Phase wall times: " + ", ".join(f"{k} {v:.0f}s" for k, v in phase_times.items()) + ".")
    add("")
    add("## Method")
    add("")
    add("- Origin, caches and fill as in benchmarks/cache_hit.py: an nginx origin (S3 stand-in, 1 KiB entries "
        "`/e/NNNNNNNN.bin`, `Cache-Control: max-age=86400`), s3edge (signing, TLS 1.3, log level info) with "
        "`listen.admin` on loopback, `admin: {tls: true, tokens_file}`, and nginx `proxy_cache` (levels=1:2, "
        "`proxy_cache_key $host$uri`, use_temp_path=off). Fills: wrk, 64 connections, one GET per key.")
    add("- s3edge: `POST /2020-05-31/distribution/BENCH/invalidation` with an InvalidationBatch of one path, "
        "`Authorization: Bearer`, on a fresh TLS connection whose handshake is not timed. The sweep's figures "
        "come from its log line; it is awaited before anything else runs.")
    add(f"- nginx (no purge in open-source nginx): exact path: `unlink` of the file named by md5(`{HOST}/e/…`) "
        "under levels=1:2, from this process; prefix: `LC_ALL=C grep -rl --null -e '^KEY: localhost/e/…' CACHE "
        "| tee LIST | xargs -0 -r rm -f` (bash); `/*`: `rm -rf -- CACHE/*`. nginx's keys_zone keeps its "
        "entries until they are looked up or expire; a lookup whose file is gone is a miss.")
    add(f"- Order: the two caches alternate going first; {args.gap:g} s idle before each invalidation and load "
        f"run, repeated (up to {args.idle_wait:g} s, {args.idle_budget:g} s in all; waited {ib.idle_waited:.0f} s) "
        f"while the machine was busier than {args.idle_below:.0%} of its CPUs (someone else's load: this "
        f"benchmark is idle then; `busy before`); checks "
        f"before and after each: a key outside it is a hit, the first GET after it is a miss with the origin's "
        f"bytes; {args.sample} sampled entries are hits after each fill.")
    add(f"- Raw output, configs, logs: {workdir} (deleted at exit unless --keep).")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def main():
    ap = driver_parser(__doc__)
    ap.add_argument("--entries", type=int, default=1_000_000, help="cached entries (default 1,000,000)")
    ap.add_argument("--reps", type=int, default=5, help="repetitions of the exact and 1%% cases (default 5)")
    ap.add_argument("--load-seconds", type=int, default=5, help="seconds of each hits/s run (default 5)")
    ap.add_argument("--gap", type=float, default=1.0, help="idle seconds before each invalidation and load run")
    ap.add_argument("--idle-below", type=float, default=0.2,
                    help="repeat the gap while the machine is busier than this share of its CPUs (default 0.2)")
    ap.add_argument("--idle-wait", type=float, default=60, help="for at most this many seconds per case")
    ap.add_argument("--idle-budget", type=float, default=600, help="and this many seconds in all")
    ap.add_argument("--fill-timeout", type=int, default=3600, help="seconds one fill may take")
    ap.add_argument("--sample", type=int, default=200, help="entries checked after each fill")
    args = ap.parse_args()
    if not 1 <= args.reps <= 9:
        raise RuntimeError("--reps must be 1 to 9")
    layout = Layout(args.entries, args.reps)
    # Whole-run bound: the fills (about 2.1 x N per cache, < 3 ms an entry) and the sweeps.
    signal.alarm(int(1800 + args.entries * 0.006))
    run_start = time.monotonic()

    workdir = os.path.abspath(args.workdir)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    load_before = loadavg()
    max_size_mib, keys_zone_mib = cache_sizes(workdir, args.entries)

    scratch = scratch_filesystem(workdir)
    log(f"scratch file system: {scratch}")
    if scratch["discard"]:
        log(f"warning: {scratch['mount']} is mounted with discard: each file nginx's purge deletes costs "
            f"{scratch['unlink_ms']:.2f} ms here (a TRIM); set TMPDIR to a file system without it to compare "
            f"the caches rather than the disk")
    make_cert(args.bin, f"{workdir}/cert.pem", f"{workdir}/key.pem")
    _, body_of = entry_body_template()
    token = os.urandom(32).hex()
    tokens_file = os.path.join(workdir, "admin-tokens")
    with open(os.open(tokens_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(f"# invalidation benchmark\n{token}\n")

    bench = Bench(args, workdir)  # its fill reads args.fill_timeout, its measure args.gap
    s3_port, ng_port, origin_port, admin_port = free_ports(4)
    phase_times = {}
    ib = None
    try:
        start_servers(bench, args.bin, workdir, (s3_port, ng_port, origin_port), max_size_mib, keys_zone_mib,
                      s3edge_config=lambda text: s3edge_admin_conf(text, s3_port, admin_port, tokens_file))
        for name in SERVERS:
            s = bench.servers[name]
            # The fill asks for the sentinel once a thread is through its keys: cache it first so
            # that the fill's origin count is its keys alone.
            _, _, problems = get_until_hit(name, s.port, SENTINEL, bench.origin.bodies[SENTINEL])
            for p in problems:
                bench.check(f"{name}: {p}", False)
        admin = Admin(admin_port, token)
        ib = InvalidationBench(args, workdir, layout, bench, admin, LogWatch(bench.servers["s3edge"].log_path),
                               body_of, cache_dirs(workdir)[1])
        log(layout.describe())

        def phase(label, fn, *a):
            t = time.monotonic()
            fn(*a)
            phase_times[label] = time.monotonic() - t

        phase("fill", ib.refill, layout.fill_ranges)
        phase("verify", ib.verify_sample, "after the fill")
        phase("exact", ib.exact_cases)
        phase("1%", ib.one_percent_cases)
        phase("50%", ib.half_case)
        hidden = [(1, layout.half)] + [(lo + 1, hi) for lo, hi in layout.ranges]
        phase("refill 1", ib.refill, hidden)
        phase("verify 1", ib.verify_sample, "after the first refill")
        phase("hits before", ib.hits_before)
        phase("hits during", ib.hits_during)
        phase("refill 2", ib.refill, [(1, layout.half)])
        phase("verify 2", ib.verify_sample, "after the second refill")
        phase("/*", ib.everything_case)
        bench.alive_or_fail()
    finally:
        bench.stop_all()

    s3_log = open(bench.servers["s3edge"].log_path, errors="replace").read().splitlines()
    unexpected = [line for line in s3_log if re.search(r"\b(warning|error|critical)\b", line)
                  and "plain http to the origin" not in line]
    bench.check(f"s3edge log: {len(s3_log)} lines, {len(unexpected)} warnings or errors besides the plain-http "
                f"origin's: {unexpected[:3]}", not unexpected)
    ng_log = open(bench.servers["nginx"].log_path, errors="replace").read().splitlines()
    # nginx's cache loader walks the cache tree once, a minute after start; a purge that deletes
    # directories under it makes it log each one it can no longer stat.
    walked = [line for line in ng_log if re.search(r'\[crit\] .*stat\(\) ".*" failed \(2: No such file', line)]
    other = [line for line in ng_log if line not in walked]
    bench.check(f"nginx error.log: {len(ng_log)} lines, {len(walked)} of them the cache loader's `stat() failed (2: "
                f"No such file or directory)` for what a purge deleted; others: {other[:3]}", not other)

    v = tool_versions()
    s3_version = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip()
    grep_version = subprocess.run(["grep", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    versions = (f"s3edge {s3_version} ({args.bin_origin or args.bin}); {v['nginx']}; {v['wrk']}; {v['openssl']}; "
                f"Python {platform.python_version()}; {grep_version}")
    report = make_report(args, ib, layout, started_at, load_before, loadavg(), versions, phase_times,
                         time.monotonic() - run_start, workdir, scratch)
    publish_report(report, args.out, workdir, {"records": ib.records, "throughput": ib.throughput,
                                               "fills": bench.fills, "checks": bench.checks})
    return exit_status([], bench.checks)


if __name__ == "__main__":
    run_main(main, 4 * 3600)
