#!/usr/bin/python3
"""Cache hit benchmark: s3edge against nginx proxy_cache, both in front of the same origin.

Driven by benchmarks/cache-hit (which does the preflight and the last-resort cleanup); run that,
not this. Standard library only.

One origin for both caches: an nginx on 127.0.0.1 (plain HTTP, one worker) standing in for S3
with path addressing (GET /BUCKET/KEY): static files for the sized objects, and `return 200`
with a 1 KiB body naming the key for the many small "entry" objects (/e/NNNNNNNN.bin), so a
million distinct objects cost no files. Every 200 carries S3's SSE-KMS and request-id headers
(so s3edge's default require_sse_kms holds) and Cache-Control: max-age=86400. Its stub_status
counts the requests that reach it: a load run that is all hits makes none.

The two caches run side by side (only one is loaded at a time; the order alternates per run),
with the same certificate (`s3edge make-cert`), TLS 1.3 only, the same TLS 1.3 suites:

  s3edge  signing: always (dummy static keys from the environment), cache in the scratch dir
  nginx   proxy_cache (levels=1:2, keys_zone for the entry count, use_temp_path=off),
          proxy_cache_key $host$uri, keep-alive upstream, worker_processes = CPUs

Phases:
  1. warm each sized object (1 KiB, 100 KiB, 1 MiB): a first GET (miss), then a GET that must
     be a hit (X-Cache: Hit from s3edge / X-Cache-Status: HIT) with the origin's exact bytes,
     over HTTP/1.1 (Python) and HTTP/2 (curl)
  2. hit throughput per size: wrk (HTTP/1.1 keep-alive) and h2load (HTTP/2); requests/s,
     latency p50/p99 (wrk --latency; h2load --log-file), proxy CPU µs per request
     (utime+stime of the proxy's processes from /proc), origin requests during the run
  3. entries: fill each cache with N small objects (wrk, a Lua script walking the key space,
     64 connections), then random keys over all N (wrk, Lua): under load and on one connection;
     first N = --small-entries (10,000), then --entries (1,000,000), the second fill adding
     the keys the first did not
  4. peak RSS (VmHWM) after each phase, PSS at the end, log lines of both

Proxy CPU per request is the figure to compare on a small box: the load generator shares the
cores with the proxy, so requests/s shows how the cores were shared as much as capacity.
"""

import datetime
import http.client
import os
import random
import shutil
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

from bench_common import (  # benchmarks/bench_common.py: helpers shared with the other benchmarks
    NCPU, checks_section, count_lines, describe_cert, describe_thread_cpu, driver_parser, exit_status, fmt,
    free_ports, h2load_log_percentiles, header, https_get, load_errors, loadavg, log, make_cert, nginx_common_http,
    nginx_tls_server_lines, parse_h2load, parse_wrk, publish_report, ratio, record_pid, rollup_kib, run_main,
    run_measured, set_log_prefix, start_nginx, start_s3edge, status_kib, stop_all, stop_wrk, tail, thread_cpu,
    tool_versions, tree_cpu,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from fake_origin import KMS_HEADERS, S3_ID_HEADERS  # noqa: E402  (the headers S3 sends; stdlib only)

set_log_prefix("cache-hit")

BUCKET = "bench-assets"
REGION = "eu-west-2"
ACCESS_KEY = ("AKIAS3EDGEBENCHCACHE0", "bench/cache/hit/secret/key/000000000000000")
SIZES = [("1 KiB", "obj-1k.bin", 1024), ("100 KiB", "obj-100k.bin", 100 * 1024), ("1 MiB", "obj-1m.bin", 1024 * 1024)]
ENTRY_FORMAT = "/e/%08d.bin"  # viewer path of entry k (the origin path is /BUCKET + this)
ENTRY_SIZE = 1024
MAX_ENTRIES = 99_999_999
SENTINEL = "/" + SIZES[0][1]  # a warm object the fill asks for once a thread has sent all its keys
PROBE = "/not-in-the-bucket"  # readiness probe: any answer will do (the origin's 404)
# Server name -> the response header and value of a hit; a driver running more caches adds its
# names here (cache_encryption.py: a second s3edge).
HIT = {"s3edge": ("x-cache", "Hit from s3edge"), "nginx": ("x-cache-status", "HIT")}
SERVERS = ("s3edge", "nginx")

H1_THREADS, H1_CONNECTIONS = 2, 64
H2_THREADS, H2_CLIENTS, H2_STREAMS = 2, 16, 16
FILL_THREADS, FILL_CONNECTIONS = 2, 64


# --------------------------------------------------------------------------- origin


def entry_body_template():
    """The nginx `return` text of an entry (with $uri) and a function giving entry k's bytes."""
    uri_len = len(f"/{BUCKET}" + ENTRY_FORMAT % 0)
    head = "s3edge cache-hit benchmark entry "
    pad = ENTRY_SIZE - len(head) - uri_len - 2
    template = head + "$uri " + "x" * pad + "\\n"  # nginx unescapes \n in quoted strings

    def body(k):
        return (head + f"/{BUCKET}" + ENTRY_FORMAT % k + " " + "x" * pad + "\n").encode()

    assert len(body(0)) == ENTRY_SIZE
    return template, body


def s3_header_lines(indent):
    lines = [f'add_header {name} "{value}" always;' for name, value in [*KMS_HEADERS, *S3_ID_HEADERS]
             if name.lower() != "server"]
    lines.append('add_header Cache-Control "max-age=86400" always;')
    return "".join(f"{indent}{line}\n" for line in lines)


def origin_conf(prefix, root, port):
    user = "user root;" if os.geteuid() == 0 else ""
    template, _ = entry_body_template()
    pad = " " * 12
    return f"""# generated by benchmarks/cache_hit.py: the origin (an S3 stand-in, path addressing)
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
{nginx_common_http(prefix)}    keepalive_requests 10000000;
    keepalive_timeout 300s;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        log_not_found off;
        location /{BUCKET}/ {{
{s3_header_lines(pad)}        }}
        location /{BUCKET}/e/ {{
{s3_header_lines(pad)}            add_header ETag "\\"$uri\\"" always;
            add_header Last-Modified "Tue, 01 Oct 2024 10:00:00 GMT" always;
            return 200 "{template}";
        }}
        location = /stub {{ stub_status; }}
        location / {{ return 404; }}
    }}
}}
"""


class Origin:
    def __init__(self, workdir, port, deadline):
        self.port = port
        prefix = os.path.join(workdir, "origin")
        self.root = os.path.join(prefix, "root")
        os.makedirs(os.path.join(self.root, BUCKET), exist_ok=True)
        rng = random.Random(20240101)
        self.bodies = {}
        for _, name, size in SIZES:
            body = rng.randbytes(size)
            with open(os.path.join(self.root, BUCKET, name), "wb") as f:
                f.write(body)
            self.bodies["/" + name] = body
        self.stub_requests = 0
        self.server = start_nginx(prefix, origin_conf(prefix, self.root, port), workdir, name="origin",
                                  ready=self.requests, deadline=deadline)

    def requests(self):
        """Requests the origin has handled so far (stub_status), not counting those to stub_status."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/stub")
            text = conn.getresponse().read().decode()
        finally:
            conn.close()
        self.stub_requests += 1  # the count just read includes this request
        lines = text.splitlines()
        return int(lines[2].split()[2]) - self.stub_requests

    def stop(self):
        self.server.stop()


# --------------------------------------------------------------------------- the two caches


def s3edge_conf(workdir, port, origin_port, cache_dir, max_size_mib, encryption=None, admin=None):
    """s3edge's configuration. `encryption` (YAML flow text, e.g. `{ mode: none }`) sets
    cache.encryption (default: absent, i.e. mode none); `admin` sets listen.admin (e.g. `off`;
    default: absent, i.e. 127.0.0.1:9180)."""
    encryption_line = f"  encryption: {encryption}\n" if encryption else ""
    admin_line = f"  admin: {admin}\n" if admin else ""
    return f"""# generated by benchmarks/cache_hit.py
listen:
  https: "127.0.0.1:{port}"
{admin_line}tls:
  min_version: TLSv1.3
  certificates:
    - cert: {workdir}/cert.pem
      key: {workdir}/key.pem
log: {{ level: warning }}
limits: {{ max_connections: 100000 }}
cache:
  path: {cache_dir}
  max_size: {max_size_mib}MiB
{encryption_line}distributions:
  - id: BENCH
    hostnames: [localhost]
    max_object_size: 16MiB
    origin:
      bucket: {BUCKET}
      region: {REGION}
      endpoint: http://127.0.0.1:{origin_port}
      addressing: path
      signing: always
"""


def nginx_conf(workdir, prefix, port, origin_port, cache_dir, max_size_mib, keys_zone_mib, server_lines=""):
    """The nginx proxy_cache in front of the origin; `server_lines` go into server{} before the
    location (signed_url.py adds its secure_link gate there)."""
    user = "user root;" if os.geteuid() == 0 else ""
    hide = "".join(f"            proxy_hide_header {name};\n" for name in
                   ("x-amz-id-2", "x-amz-request-id", "x-amzn-requestid",
                    "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-content-sha256"))
    return f"""# generated by benchmarks/cache_hit.py
{user}
worker_processes {NCPU};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 8192; }}
http {{
{nginx_common_http(prefix)}    keepalive_requests 10000000;
    keepalive_timeout 60s;
    proxy_cache_path {cache_dir} levels=1:2 keys_zone=bench:{keys_zone_mib}m max_size={max_size_mib}m
                     inactive=7d use_temp_path=off;
    upstream origin {{
        server 127.0.0.1:{origin_port};
        keepalive 64;
    }}
    server {{
        # nginx 1.22 syntax; 1.25.1+ would say "http2 on;".
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
{nginx_tls_server_lines(f"{workdir}/cert.pem", f"{workdir}/key.pem", protocols="TLSv1.3")}{server_lines}
        location / {{
            proxy_pass http://origin/{BUCKET}/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache bench;
            proxy_cache_key $host$uri;
            proxy_cache_valid 200 1d;
            # As s3edge: concurrent misses for one key make one origin fetch, and a viewer
            # that goes away does not abort a fill.
            proxy_cache_lock on;
            proxy_ignore_client_abort on;
            # What s3edge withholds from viewers (S3's internals, the customer's key id).
{hide}            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


def ready_probe(port):
    return lambda: https_get(port, PROBE, timeout=2, agent="cache-hit")


# --------------------------------------------------------------------------- checks


def is_hit(name, answer):
    key, value = HIT[name]
    return header(answer, key) == value


def get_until_hit(name, port, path, expected, tries=20):
    """GETs `path` until the cache says hit (a fill may finish just after its viewer got the last
    byte). Returns (the hit answer, the X-Cache values seen, problems)."""
    problems = []
    seen = []
    for attempt in range(1, tries + 1):
        answer = https_get(port, path, agent="cache-hit", timeout=10)
        seen.append(header(answer, HIT[name][0]))
        if answer["status"] != 200:
            problems.append(f"{path}: status {answer['status']}")
        elif answer["body"] != expected:
            problems.append(f"{path}: body differs from the origin's ({len(answer['body'])} B vs {len(expected)} B)")
        if is_hit(name, answer):
            return answer, seen, problems
        time.sleep(0.05)
    problems.append(f"{path}: no hit after {tries} GETs ({HIT[name][0]}: {seen})")
    return answer, seen, problems


def curl_h2(port, path, out_path):
    """GET over HTTP/2 with curl; (http version, status, lower-cased headers dict, body bytes)."""
    done = subprocess.run(["curl", "-sk", "--http2", "-H", "Host: localhost", "-D", "-", "-o", out_path, "-w",
                           "%{http_version} %{http_code}", f"https://127.0.0.1:{port}{path}"],
                          capture_output=True, text=True, timeout=30)
    lines = done.stdout.strip().splitlines()
    headers = {}
    for line in lines[1:-1]:
        name, _, value = line.partition(":")
        if value:
            headers[name.strip().lower()] = value.strip()
    version, _, code = (lines[-1] if lines else "? ?").rpartition(" ")
    with open(out_path, "rb") as f:
        body = f.read()
    return version.split()[-1] if version else "?", code, headers, body


# --------------------------------------------------------------------------- load


# wrk Lua: numbers the threads; each thread's script sees its number as the global `tid`.
LUA_THREAD_IDS = """local count = 0

function setup(thread)
  thread:set("tid", count)
  count = count + 1
end
"""

FILL_LUA = """-- generated by benchmarks/cache_hit.py: one GET per key of [FILL_LO, FILL_HI), the keys
-- split over the threads by stride. An answer names its key in its ETag ("/BUCKET/e/NNNNNNNN.bin").
-- wrk may build a connection's first request twice while TLS is being set up and send only the
-- second, so a key can be asked for and never sent: once a thread has walked its keys, it asks
-- again for every key still unanswered after RETRY_AFTER more answers on that thread (the warm
-- object's, which come fast; errors are retried the same way). When all its keys have answered,
-- the thread writes FILL_DIR/done-TID (the number of non-200 answers and of keys asked again)
-- and asks for the warm object until stopped.
local lo = tonumber(os.getenv("FILL_LO"))
local hi = tonumber(os.getenv("FILL_HI"))
local nthreads = tonumber(os.getenv("FILL_THREADS"))
local dir = os.getenv("FILL_DIR")
local sentinel = os.getenv("FILL_SENTINEL")
local format = os.getenv("FILL_FORMAT")
local RETRY_AFTER = 2000
""" + LUA_THREAD_IDS + """
function init(args)
  nextk = lo + tid
  pending = {}  -- key -> the thread's answer count when it was last asked for
  answers = 0
  bad = 0
  repeated = 0
  marked = false
  maybe_done()
end

function maybe_done()
  if not marked and nextk >= hi and next(pending) == nil then
    marked = true
    local f = io.open(dir .. "/done-" .. tid, "w")
    f:write(tostring(bad) .. " " .. tostring(repeated))
    f:close()
  end
end

function request()
  local k = nil
  if nextk < hi then
    k = nextk
    nextk = nextk + nthreads
  elseif not marked then
    for key, asked in pairs(pending) do
      if answers - asked >= RETRY_AFTER then
        k = key
        repeated = repeated + 1
        break
      end
    end
  end
  if k == nil then
    return wrk.format("GET", sentinel)
  end
  pending[k] = answers
  return wrk.format("GET", string.format(format, k))
end

function response(status, headers, body)
  answers = answers + 1
  if status ~= 200 then
    bad = bad + 1
    return
  end
  local etag = headers["ETag"] or headers["etag"] or headers["Etag"]
  local k = etag and tonumber(string.match(etag, "/e/(%d+)%.bin"))
  if k ~= nil then
    pending[k] = nil
    maybe_done()
  end
end
"""

RANDOM_LUA = """-- generated by benchmarks/cache_hit.py: GETs of uniformly random keys of [0, RAND_N)
local n = tonumber(os.getenv("RAND_N"))
local seed = tonumber(os.getenv("RAND_SEED"))
local format = os.getenv("RAND_FORMAT")
""" + LUA_THREAD_IDS + """
function init(args)
  math.randomseed(seed + 7919 * tid)
end

function request()
  return wrk.format("GET", string.format(format, math.random(0, n - 1)))
end
"""


class Bench:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.servers = {}
        self.origin = None
        self.runs = []  # every measured run: dict(test, server, ...)
        self.fills = []
        self.checks = []  # (text, ok)
        self.peaks = {}  # phase -> {server: KiB}
        self.run_index = 0
        self.fill_lua = os.path.join(workdir, "fill.lua")
        self.random_lua = os.path.join(workdir, "random.lua")
        with open(self.fill_lua, "w") as f:
            f.write(FILL_LUA)
        with open(self.random_lua, "w") as f:
            f.write(RANDOM_LUA)

    # ---- helpers

    def check(self, text, ok):
        self.checks.append((text, ok))
        log(("ok: " if ok else "PROBLEM: ") + text)

    def order(self):
        """Server order for the next test: alternates (s3edge first, then nginx first, ...)."""
        names = list(SERVERS) if self.run_index % 2 == 0 else list(reversed(SERVERS))
        self.run_index += 1
        return names

    def alive_or_fail(self):
        for name, s in self.servers.items():
            if not s.alive():
                raise RuntimeError(f"{name} died (exit {s.proc.returncode}); log:\n{tail(s.log_path)}")
        if not self.origin.server.alive():
            raise RuntimeError(f"the origin nginx died; error.log:\n{tail(self.origin.server.log_path)}")

    def stop_all(self):
        """Stops both caches and the origin (each attempted even if another fails to stop)."""
        stop_all([*self.servers.values(), *([self.origin] if self.origin else [])])

    def snapshot_peak(self, phase):
        self.peaks[phase] = {name: sum(status_kib(pid, "VmHWM") for pid in s.pids)
                             for name, s in self.servers.items()}

    def url(self, name, path="/"):
        return f"https://127.0.0.1:{self.servers[name].port}{path}"

    def measure(self, test, name, argv, parse, seconds, env=None, h2_log=None, label=None):
        """One measured load run; records it (with the origin requests it caused) and returns it."""
        self.alive_or_fail()
        time.sleep(self.args.gap)
        s = self.servers[name]
        label = label or test.replace(" ", "_").replace("/", "")
        log(f"{test} / {name}: {' '.join(argv)}")
        before = self.origin.requests()
        if env:
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
        try:
            r = run_measured(s, argv, parse, seconds + 30, self.workdir, label)
        finally:
            if env:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        r["origin_requests"] = self.origin.requests() - before
        if h2_log:
            r.update(h2load_log_percentiles(h2_log))
            try:
                os.unlink(h2_log)
            except OSError:
                pass
        r["test"], r["server"] = test, name
        self.runs.append(r)
        log(f"  -> {fmt(r.get('rps'))} req/s, p50 {fmt(r.get('p50_ms'), 2)} ms, p99 {fmt(r.get('p99_ms'), 2)} ms, "
            f"{name} CPU {r['server_cpu']:.2f}s ({fmt(r['server_us_per'], 1)} µs/req), "
            f"origin requests {r['origin_requests']}, other CPU {r['other_cpu']:.2f}s"
            + ("" if r["ok"] else f"  FAILED (exit {r['exit']}): {r['stderr'][-300:]}"))
        return r

    def wrk_argv(self, name, path, seconds, threads=H1_THREADS, connections=H1_CONNECTIONS, script=None):
        argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                "-H", "Host: localhost"]
        if script:
            argv += ["-s", script]
        return argv + [self.url(name, path)]

    def h2load_argv(self, name, path, seconds, log_file=None):
        argv = ["h2load", f"-t{H2_THREADS}", f"-c{H2_CLIENTS}", f"-m{H2_STREAMS}", "-D", str(seconds),
                "-H", ":authority: localhost"]
        if log_file:
            argv.append(f"--log-file={log_file}")
        return argv + [self.url(name, path)]

    # ---- phases

    def warm_one(self, name, path, expected, url=None):
        """GETs `url` (default: `path`) through `name` until the cache says hit, and checks that this
        took one origin fetch and that every answer had the origin's bytes. Returns the hit."""
        url = url or path
        port = self.servers[name].port
        before = self.origin.requests()
        first = https_get(port, url, agent="cache-hit", timeout=10)
        hit, seen, problems = get_until_hit(name, port, url, expected)
        fetched = self.origin.requests() - before
        self.check(f"{name} {path}: first GET {first['status']} {HIT[name][0]}: "
                   f"{header(first, HIT[name][0])}; then {HIT[name][0]}: {', '.join(map(str, seen))} "
                   f"(50 ms apart); origin requests {fetched}; body = origin's {len(expected):,} B: "
                   f"{hit['body'] == expected}",
                   not problems and fetched == 1 and first["body"] == expected)
        for p in problems:
            self.check(f"{name}: {p}", False)
        return hit

    def warm_sized(self, names=SERVERS, sizes=SIZES):
        for label, name_, size in sizes:
            path = "/" + name_
            expected = self.origin.bodies[path]
            for name in names:
                port = self.servers[name].port
                hit = self.warm_one(name, path, expected)
                version, code, headers, body = curl_h2(port, path, os.path.join(self.workdir, "h2-body"))
                key, value = HIT[name]
                self.check(f"{name} {path} over HTTP/{version} (curl): {code}, {key}: {headers.get(key)}, "
                           f"body = origin's: {body == expected}",
                           version == "2" and code == "200" and headers.get(key) == value and body == expected)
                if size == SIZES[0][2]:
                    self.heads = getattr(self, "heads", {})
                    self.heads[name] = hit

    def warm_up(self, names=SERVERS):
        """args.warmup seconds of wrk and of h2load on SENTINEL per server, not measured."""
        if self.args.warmup <= 0:
            return
        for name in names:
            log(f"warm-up {name}: {self.args.warmup}s wrk + {self.args.warmup}s h2load on {SENTINEL} "
                f"(not measured)")
            subprocess.run(self.wrk_argv(name, SENTINEL, self.args.warmup), capture_output=True,
                           timeout=self.args.warmup + 30)
            subprocess.run(self.h2load_argv(name, SENTINEL, self.args.warmup), capture_output=True,
                           timeout=self.args.warmup + 30)

    def sized_runs(self):
        d = self.args.duration
        self.warm_up()
        for label, obj, _ in SIZES:
            path = "/" + obj
            for name in self.order():
                self.measure(f"{label} HTTP/1.1", name, self.wrk_argv(name, path, d), parse_wrk, d,
                             label=f"h1-{obj}")
            for name in self.order():
                log_file = os.path.join(self.workdir, f"h2load-{name}.log")
                self.measure(f"{label} HTTP/2", name, self.h2load_argv(name, path, d, log_file), parse_h2load, d,
                             h2_log=log_file, label=f"h2-{obj}")

    def fill(self, name, lo, hi):
        """GETs every entry of [lo, hi) once through `name` (wrk, FILL_CONNECTIONS connections)."""
        s = self.servers[name]
        marks = os.path.join(self.workdir, f"fill-{name}-{hi}")
        os.makedirs(marks)
        env = dict(os.environ, FILL_LO=str(lo), FILL_HI=str(hi), FILL_THREADS=str(FILL_THREADS), FILL_DIR=marks,
                   FILL_SENTINEL=SENTINEL, FILL_FORMAT=ENTRY_FORMAT)
        argv = ["wrk", f"-t{FILL_THREADS}", f"-c{FILL_CONNECTIONS}", f"-d{self.args.fill_timeout}s", "--latency",
                "--timeout", "10s", "-s", self.fill_lua, "-H", "Host: localhost", self.url(name, "/")]
        self.alive_or_fail()
        log(f"fill {name}: entries {lo:,}..{hi - 1:,} ({hi - lo:,}): {' '.join(argv)}")
        origin_before = self.origin.requests()
        origin_cpu_before = self.origin.server.cpu()
        cpu_before = tree_cpu(s.pids)
        out_path = os.path.join(self.workdir, f"fill-{name}-{hi}.out")
        start = time.monotonic()
        with open(out_path, "w") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
        record_pid(self.workdir, proc.pid)
        last_report = last_progress = start
        last_fetched = 0
        try:
            while len(os.listdir(marks)) < FILL_THREADS:
                if proc.poll() is not None:
                    raise RuntimeError(f"fill of {name} ended before all keys were answered (wrk exit "
                                       f"{proc.returncode}):\n{tail(out_path)}")
                if not s.alive():
                    raise RuntimeError(f"{name} died during the fill; log:\n{tail(s.log_path)}")
                now = time.monotonic()
                if now - last_report >= 10:
                    fetched = self.origin.requests() - origin_before
                    if fetched != last_fetched:
                        last_fetched, last_progress = fetched, now
                    elif now - last_progress > 60:
                        raise RuntimeError(f"fill of {name} stalled: no origin request for 60 s, {fetched:,} of "
                                           f"{hi - lo:,} keys fetched; {name} log:\n{tail(s.log_path)}")
                    if now - last_report >= 30 or hi - lo >= 100_000:
                        log(f"  {name}: {fetched:,} of {hi - lo:,} fetched from the origin after "
                            f"{now - start:.0f}s ({fetched / (now - start):,.0f}/s)")
                    last_report = now
                time.sleep(0.05)
            wall = time.monotonic() - start
        finally:
            stop_wrk(proc)
        cpu = tree_cpu(s.pids) - cpu_before
        fetched = self.origin.requests() - origin_before
        origin_cpu = self.origin.server.cpu() - origin_cpu_before
        bad = repeated = 0
        for entry in os.listdir(marks):
            with open(os.path.join(marks, entry)) as f:
                b, r = (f.read().split() + ["0", "0"])[:2]
            bad, repeated = bad + int(b), repeated + int(r)
        with open(out_path) as f:
            wrk_out = parse_wrk(f.read())
        n = hi - lo
        record = {"server": name, "lo": lo, "hi": hi, "count": n, "wall": wall, "rate": n / wall if wall else None,
                  "cpu": cpu, "cpu_us_per": cpu / n * 1e6 if n else None, "origin_requests": fetched,
                  "origin_cpu": origin_cpu, "non200": bad, "repeated": repeated, "wrk": wrk_out}
        self.fills.append(record)
        log(f"  -> {n:,} entries in {wall:.1f}s ({record['rate']:,.0f}/s), {name} CPU {cpu:.1f}s "
            f"({record['cpu_us_per']:.0f} µs/entry), origin requests {fetched:,}, non-200 {bad}, "
            f"keys asked again {repeated}")
        # A key asked again while its first request was still in flight may be fetched twice.
        self.check(f"fill {name} {lo:,}..{hi - 1:,}: every key answered 200 (non-200 answers: {bad}; keys asked "
                   f"again: {repeated}); origin requests {fetched:,} for {n:,} keys",
                   bad == 0 and n <= fetched <= n + repeated)
        return record

    def verify_entries(self, name, count, body_of, sample):
        rng = random.Random(count)
        keys = sorted({0, count - 1, *(rng.randrange(count) for _ in range(sample))})
        before = self.origin.requests()
        misses, wrong = [], []
        for k in keys:
            path = ENTRY_FORMAT % k
            answer = https_get(self.servers[name].port, path, agent="cache-hit", timeout=10)
            if answer["status"] != 200 or answer["body"] != body_of(k):
                wrong.append(f"{path} ({answer['status']}, {len(answer['body'])} B)")
            if not is_hit(name, answer):
                misses.append(f"{path} ({header(answer, HIT[name][0])})")
        fetched = self.origin.requests() - before
        self.check(f"{name}: {len(keys)} sampled entries of {count:,} are hits with the origin's bytes "
                   f"(origin requests {fetched}; not hits: {len(misses)} {misses[:3]}; "
                   f"wrong: {len(wrong)} {wrong[:3]})",
                   not misses and not wrong and fetched == 0)

    def entries_runs(self, count):
        d = self.args.duration
        env = {"RAND_N": str(count), "RAND_SEED": str(count % 100003), "RAND_FORMAT": ENTRY_FORMAT}
        for name in self.order():
            self.measure(f"{count:,} entries, random keys, HTTP/1.1", name,
                         self.wrk_argv(name, "/", d, script=self.random_lua), parse_wrk, d, env=env,
                         label=f"rand-{count}")
        for name in self.order():
            self.measure(f"{count:,} entries, random keys, HTTP/1.1, 1 connection", name,
                         self.wrk_argv(name, "/", d, threads=1, connections=1, script=self.random_lua), parse_wrk, d,
                         env=env, label=f"rand1-{count}")


# --------------------------------------------------------------------------- start


def cache_sizes(workdir, total_entries):
    """(max_size MiB, nginx keys_zone MiB) for `total_entries` small entries, once the scratch
    directory's file system is known to have room for both caches (RuntimeError if not)."""
    # Disk: nginx keeps one file per entry (a 4 KiB block: ~1 KiB body + ~0.6 KiB header), s3edge
    # one LMDB record (about 1.3 KiB charged); plus the sized objects, twice.
    need = total_entries * 8 * 1024 + (1 << 30)
    free = shutil.disk_usage(workdir).free
    if free < need:
        raise RuntimeError(f"{workdir} has {free / 2**30:.1f} GiB free; {total_entries:,} entries need about "
                           f"{need / 2**30:.1f} GiB: set TMPDIR to a bigger file system or lower --entries")
    max_size_mib = max(1024, (total_entries * 8 * 1024) >> 20)
    keys_zone_mib = max(16, -(-total_entries * 256 // 2**20))  # nginx: ~8,000 keys per MiB; 2x headroom
    return max_size_mib, keys_zone_mib


def cache_dirs(workdir):
    """(s3edge's cache directory, nginx's) in the scratch directory."""
    return os.path.join(workdir, "s3edge-cache"), os.path.join(workdir, "nginx-cache")


def start_cache_s3edge(bench, name, binary, workdir, port, origin_port, cache_dir, max_size_mib, deadline,
                       s3edge_config=None, **options):
    """Starts an s3edge in front of bench.origin as bench.servers[name] (configuration and log in
    WORKDIR/NAME-run/; `options` and the `s3edge_config(text)` amendment as in start_servers)."""
    run_dir = os.path.join(workdir, f"{name}-run")
    os.makedirs(run_dir)
    config = os.path.join(run_dir, "s3edge.yaml")
    text = s3edge_conf(workdir, port, origin_port, cache_dir, max_size_mib, **options)
    with open(config, "w") as f:
        f.write(s3edge_config(text) if s3edge_config else text)
    bench.servers[name] = start_s3edge(binary, config, workdir, port, deadline=deadline, name=name,
                                       env={"AWS_ACCESS_KEY_ID": ACCESS_KEY[0],
                                            "AWS_SECRET_ACCESS_KEY": ACCESS_KEY[1]})


def wait_answering(bench, names, deadline):
    """Returns once each of bench.servers[names] answers over HTTPS (the origin's 404 for a key
    not in the bucket will do); RuntimeError after `deadline` (time.monotonic())."""
    for name in names:
        probe = ready_probe(bench.servers[name].port)
        while True:
            try:
                probe()
                break
            except (OSError, ssl.SSLError) as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} does not answer {PROBE}: {error}")
                time.sleep(0.1)


def start_servers(bench, binary, workdir, ports, max_size_mib, keys_zone_mib, s3edge_config=None,
                  nginx_server_lines="", **s3edge_options):
    """Starts the origin, s3edge and nginx (each put in `bench` as soon as it runs, for the
    caller's cleanup) on ports (s3edge, nginx, origin), and returns once both caches answer over
    HTTPS. `s3edge_config(text)` may amend s3edge's configuration (invalidation.py adds its admin
    listener, signed_url.py trusted keys and a restricted behavior); `s3edge_options` go to
    s3edge_conf (encryption, admin); `nginx_server_lines` go into nginx's server{} (see
    nginx_conf). Needs WORKDIR/cert.pem and key.pem."""
    s3_port, ng_port, origin_port = ports
    s3_cache, ng_cache = cache_dirs(workdir)
    deadline = time.monotonic() + 60
    bench.origin = Origin(workdir, origin_port, deadline)
    start_cache_s3edge(bench, "s3edge", binary, workdir, s3_port, origin_port, s3_cache, max_size_mib, deadline,
                       s3edge_config=s3edge_config, **s3edge_options)
    prefix = os.path.join(workdir, "nginx")
    os.makedirs(prefix)
    server = start_nginx(prefix, nginx_conf(workdir, prefix, ng_port, origin_port, ng_cache, max_size_mib,
                                            keys_zone_mib, server_lines=nginx_server_lines),
                         workdir, name="nginx", workers=NCPU, deadline=deadline)
    server.port = ng_port
    bench.servers["nginx"] = server
    wait_answering(bench, SERVERS, deadline)


# --------------------------------------------------------------------------- main


def main():
    ap = driver_parser(__doc__)
    ap.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured seconds of wrk and of h2load per server")
    ap.add_argument("--gap", type=float, default=1.0, help="idle seconds before each measured run")
    ap.add_argument("--small-entries", type=int, default=10_000, help="first entry count (default 10,000)")
    ap.add_argument("--entries", type=int, default=1_000_000, help="second entry count (default 1,000,000)")
    ap.add_argument("--no-entries", action="store_true", help="skip the entry-count phase")
    ap.add_argument("--fill-timeout", type=int, default=3600, help="seconds one fill may take")
    ap.add_argument("--sample", type=int, default=200, help="entries checked one by one after each fill")
    args = ap.parse_args()

    if not 0 < args.small_entries <= args.entries <= MAX_ENTRIES:
        raise RuntimeError(f"need 0 < --small-entries <= --entries <= {MAX_ENTRIES:,}")
    entry_counts = [] if args.no_entries else sorted({args.small_entries, args.entries})
    total_entries = max(entry_counts, default=0)
    # Whole-run bound: generous for the runs, 3 ms per entry and cache for the fills.
    runs = 12 + 4 * len(entry_counts)
    signal.alarm(int(600 + runs * (args.duration + args.gap + 20) + total_entries * 2 * 0.003))

    workdir = os.path.abspath(args.workdir)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    load_before = loadavg()

    max_size_mib, keys_zone_mib = cache_sizes(workdir, total_entries)
    make_cert(args.bin, f"{workdir}/cert.pem", f"{workdir}/key.pem")
    cert_desc = describe_cert(f"{workdir}/cert.pem")
    template, body_of = entry_body_template()

    bench = Bench(args, workdir)
    s3_cache, ng_cache = cache_dirs(workdir)
    phase_times = {}
    try:
        # No admin listener: its default port would clash with another s3edge running on this box.
        start_servers(bench, args.bin, workdir, free_ports(3), max_size_mib, keys_zone_mib, admin="off")
        rss_start = {name: sum(status_kib(pid, "VmRSS") for pid in s.pids) for name, s in bench.servers.items()}
        tls = {name: https_get(s.port, PROBE, agent="cache-hit") for name, s in bench.servers.items()}

        t = time.monotonic()
        bench.warm_sized()
        bench.sized_runs()
        phase_times["sizes"] = time.monotonic() - t
        bench.snapshot_peak("after the size runs")

        filled = 0
        for count in entry_counts:
            t = time.monotonic()
            for name in bench.order():
                bench.fill(name, filled, count)
            for name in SERVERS:
                bench.verify_entries(name, count, body_of, args.sample)
            phase_times[f"fill {count}"] = time.monotonic() - t
            filled = count
            t = time.monotonic()
            bench.entries_runs(count)
            phase_times[f"runs {count}"] = time.monotonic() - t
            bench.snapshot_peak(f"after {count:,} entries")

        bench.alive_or_fail()
        final = {}
        for name, s in bench.servers.items():
            roll = {}
            for pid in s.pids:
                for k, v in rollup_kib(pid).items():
                    roll[k] = roll.get(k, 0) + v
            final[name] = {"processes": len(s.pids), "threads": sum(status_kib(p, "Threads") for p in s.pids),
                           "hwm": sum(status_kib(p, "VmHWM") for p in s.pids), "rollup": roll,
                           "thread_cpu": thread_cpu(s.pids)}
    finally:
        bench.stop_all()

    def du(path):
        """(bytes allocated, files) under path."""
        total = count = 0
        for dirpath, _, files in os.walk(path):
            for f in files:
                count += 1
                try:
                    total += os.lstat(os.path.join(dirpath, f)).st_blocks * 512
                except OSError:
                    pass
        return total, count

    (s3_disk, _), (ng_disk, nginx_files) = du(s3_cache), du(ng_cache)
    disk = {"s3edge": s3_disk, "nginx": ng_disk}
    s3_log = open(bench.servers["s3edge"].log_path, errors="replace").read().splitlines()
    s3_log_other = [line for line in s3_log if "plain http to the origin" not in line]
    ng_log = open(bench.servers["nginx"].log_path, errors="replace").read().splitlines()
    origin_log = count_lines(bench.origin.server.log_path)

    report = make_report(args, bench, started_at, load_before, cert_desc, tls, rss_start, final, disk, nginx_files,
                         s3_log, s3_log_other, ng_log, origin_log, entry_counts, max_size_mib, keys_zone_mib,
                         phase_times, workdir)
    publish_report(report, args.out, workdir,
                   {"runs": bench.runs, "fills": bench.fills, "checks": bench.checks, "peaks": bench.peaks})
    return exit_status([f"{r['test']}/{r['server']}" for r in bench.runs if not r["ok"]], bench.checks)


# --------------------------------------------------------------------------- report


def make_report(args, bench, started_at, load_before, cert_desc, tls, rss_start, final, disk, nginx_files,
                s3_log, s3_log_other, ng_log, origin_log, entry_counts, max_size_mib, keys_zone_mib,
                phase_times, workdir):
    runs = {}
    for r in bench.runs:
        runs.setdefault(r["test"], {})[r["server"]] = r
    lines = []
    add = lines.append
    loops = sum(1 for (_, _, n) in final["s3edge"]["thread_cpu"] if n.startswith("NIO-ELT"))
    d = args.duration
    add(f"# s3edge vs nginx proxy_cache: cache hits on loopback ({started_at:%Y-%m-%d %H:%M:%S} UTC)")
    add("")
    add(f"Machine: {NCPU} CPUs shared by both caches, the origin, the load generator and anything else "
        f"running; load average before the run: {load_before}. s3edge: 1 process, {final['s3edge']['threads']} "
        f"threads at the end, {loops} of them NIO event loops (one per core). nginx: `worker_processes {NCPU}` "
        f"+ master + cache manager ({final['nginx']['processes']} processes at the end). "
        f"TLS 1.3 only on both, certificate from `s3edge make-cert` ({cert_desc}), the same files; "
        f"negotiated: s3edge {tls['s3edge']['tls_version']} {tls['s3edge']['cipher']}, "
        f"nginx {tls['nginx']['tls_version']} {tls['nginx']['cipher']}. {d} s per run.")
    add("")
    add("| Test | Metric | s3edge | nginx | s3edge/nginx |")
    add("|---|---|---:|---:|---:|")

    def cells(test, getter, digits=0):
        per = runs.get(test, {})
        va = getter(per["s3edge"]) if "s3edge" in per and per["s3edge"]["ok"] else None
        vb = getter(per["nginx"]) if "nginx" in per and per["nginx"]["ok"] else None
        return f"{fmt(va, digits)} | {fmt(vb, digits)} | {ratio(va, vb)}"

    def block(test, title, metrics):
        first = True
        for metric, getter, digits in metrics:
            add(f"| {title if first else ''} | {metric} | {cells(test, getter, digits)} |")
            first = False

    full = [("requests/s", lambda r: r.get("rps"), 0),
            ("CPU µs/request", lambda r: r["server_us_per"], 1),
            ("latency p50 ms", lambda r: r.get("p50_ms"), 2),
            ("latency p99 ms", lambda r: r.get("p99_ms"), 2)]
    for label, _, _ in SIZES:
        block(f"{label} HTTP/1.1", f"{label} hit, HTTP/1.1 keep-alive (wrk -t{H1_THREADS} -c{H1_CONNECTIONS})", full)
        block(f"{label} HTTP/2", f"{label} hit, HTTP/2 (h2load -t{H2_THREADS} -c{H2_CLIENTS} -m{H2_STREAMS})", full)
    for count in entry_counts:
        block(f"{count:,} entries, random keys, HTTP/1.1",
              f"1 KiB hits, random keys of {count:,} cached entries (wrk -t{H1_THREADS} -c{H1_CONNECTIONS}, HTTP/1.1)",
              full)
        block(f"{count:,} entries, random keys, HTTP/1.1, 1 connection",
              f"1 KiB hits, random keys of {count:,} cached entries, one connection (wrk -t1 -c1): "
              f"latency without queueing", full)
    fills = {}
    for f in bench.fills:
        fills.setdefault(f["hi"], {})[f["server"]] = f
    previous = 0
    for count in entry_counts:
        per = fills.get(count, {})
        title = f"Fill {previous:,} → {count:,} entries (one miss each, wrk -t{FILL_THREADS} -c{FILL_CONNECTIONS})"
        for i, (metric, key, digits) in enumerate((("seconds", "wall", 1), ("entries/s", "rate", 0),
                                                   ("CPU µs/entry", "cpu_us_per", 0))):
            va = per.get("s3edge", {}).get(key)
            vb = per.get("nginx", {}).get(key)
            add(f"| {title if i == 0 else ''} | {metric} | {fmt(va, digits)} | {fmt(vb, digits)} | {ratio(va, vb)} |")
        previous = count
    first = True
    for phase, peak in bench.peaks.items():
        va, vb = peak["s3edge"] / 1024, peak["nginx"] / 1024
        add(f"| {'Memory: peak RSS MiB (VmHWM, summed over processes)' if first else ''} | {phase} | "
            f"{va:,.1f} | {vb:,.1f} | {ratio(va, vb)} |")
        first = False
    pa = final["s3edge"]["rollup"]
    pb = final["nginx"]["rollup"]

    def mib(roll, key):
        return roll.get(key, 0) / 1024

    add(f"| Memory at the end: PSS MiB (shared pages split between processes) | total | {mib(pa, 'Pss'):,.1f} | "
        f"{mib(pb, 'Pss'):,.1f} | {ratio(mib(pa, 'Pss'), mib(pb, 'Pss'))} |")
    for key, what in (("Pss_Anon", "anonymous (heap)"), ("Pss_File", "file-backed (s3edge: the LMDB map)"),
                      ("Pss_Shmem", "shared memory (nginx: keys_zone, SSL cache)")):
        add(f"| | {what} | {mib(pa, key):,.1f} | {mib(pb, key):,.1f} | {ratio(mib(pa, key), mib(pb, key))} |")
    add(f"| | RSS MiB after start (VmRSS) | {rss_start['s3edge'] / 1024:,.1f} | {rss_start['nginx'] / 1024:,.1f} | "
        f"{ratio(rss_start['s3edge'], rss_start['nginx'])} |")
    add(f"| Cache on disk, MiB (allocated blocks) | at the end | {disk['s3edge'] / 2**20:,.1f} | "
        f"{disk['nginx'] / 2**20:,.1f} | {ratio(disk['s3edge'], disk['nginx'])} |")
    add("")
    add("Ratios are s3edge/nginx: above 1 means s3edge is higher (better for requests/s; worse for CPU, "
        "latency and memory). **CPU µs/request** (utime+stime of all the proxy's processes, /proc, over the "
        "requests completed) is the figure to compare on this box: the load generator shares the cores with "
        "the proxy, so requests/s and latency also show how the cores were shared. Latency: wrk's "
        "`--latency` percentiles (HTTP/1.1), h2load's per-request log (HTTP/2; request sent to response "
        "complete). RSS counts the pages of mapped files a process touched: s3edge reads its cache through "
        "an mmap'd LMDB file, so its RSS grows with the cache it reads, while nginx reads cache files with "
        "read() into the page cache, which no process's RSS shows; PSS splits that into heap, file and shared "
        "memory.")
    if len(entry_counts) == 2:
        small, large = entry_counts
        add("")
        add(f"Entries scaling ({large:,} vs {small:,} cached entries, random keys; 1 = no slower):")
        add("")
        add("| Metric | s3edge | nginx |")
        add("|---|---:|---:|")
        for test_suffix, what in (("random keys, HTTP/1.1", f"wrk -c{H1_CONNECTIONS}"),
                                  ("random keys, HTTP/1.1, 1 connection", "1 connection")):
            for metric, key in (("requests/s", "rps"), ("CPU µs/request", "server_us_per"),
                                ("latency p50", "p50_ms"), ("latency p99", "p99_ms")):
                vals = []
                for name in SERVERS:
                    a = runs.get(f"{large:,} entries, {test_suffix}", {}).get(name, {}).get(key)
                    b = runs.get(f"{small:,} entries, {test_suffix}", {}).get(name, {}).get(key)
                    vals.append(ratio(a, b))
                add(f"| {metric}, {what}: {large:,} / {small:,} | {vals[0]} | {vals[1]} |")

    add("")
    lines.extend(checks_section(bench.checks))
    origin_during = sum(r["origin_requests"] for r in bench.runs)
    add(f"- {'✓' if origin_during == 0 else '✗'} origin requests during all measured runs: {origin_during} "
        f"(0 = every measured request was a hit)")
    errors = load_errors(bench.runs)
    add(f"- {'✓' if not errors else '✗'} load generator errors: {'; '.join(errors) if errors else 'none'}")
    add(f"- s3edge log (level warning): {len(s3_log)} line(s), {len(s3_log_other)} besides the expected "
        f"plain-http-origin warning" + (":" if s3_log_other else "."))
    for line in s3_log_other[:10]:
        add(f"    - `{line[:300]}`")
    add(f"- nginx error.log (level warn): {len(ng_log)} line(s)" + (":" if ng_log else "."))
    for line in ng_log[:5]:
        add(f"    - `{line[:300]}`")
    add(f"- origin error.log: {origin_log} line(s). nginx cache files at the end: "
        f"{fmt(nginx_files)}.")
    heads = getattr(bench, "heads", {})
    for name in SERVERS:
        h = heads.get(name)
        if h:
            add(f"- {name} hit on {SENTINEL} over HTTP/1.1: `{h['status_line']}`, head {h['head_bytes']} B: "
                + ", ".join(f"{k}: {v}" for k, v in h["headers"]))

    add("")
    add("## Per-run details")
    add("")
    add("| Test | Server | requests | wall s | proxy CPU s | load-gen CPU s | other CPU s | origin requests | notes |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in bench.runs:
        notes = []
        if "socket_errors" in r:
            errs = {k: v for k, v in r.get("socket_errors", {}).items() if v}
            notes.append(f"read {r.get('read')}" + (f", socket errors {errs}" if errs else "")
                         + (f", non-2xx {r['non2xx']}" if r.get("non2xx") else ""))
        if r.get("req"):
            q = r["req"]
            notes.append(f"done {q['done']:,}, failed {q['failed']}, errored {q['errored']}, timeout {q['timeout']}")
            if r.get("tls_details"):
                notes.append(r["tls_details"])
        if not r["ok"]:
            notes.append(f"FAILED exit {r['exit']}: {r['stderr'][-200:]!r}")
        add(f"| {r['test']} | {r['server']} | {r.get('requests', 0):,} | {r['wall']:.1f} | {r['server_cpu']:.2f} | "
            f"{r['client_cpu']:.2f} | {r['other_cpu']:.2f} | {r['origin_requests']} | {'; '.join(notes)} |")
    add("")
    add("`other CPU` = whole-machine busy time (/proc/stat, without irq+softirq) minus the proxy and the load "
        "generator during the run: CPU taken by anything else (noise; the origin is idle during hits).")
    add("")
    if bench.fills:
        add("| Fill | Server | entries | seconds | entries/s | proxy CPU s | origin requests | origin CPU s | "
            "non-200 | wrk fill latency p50 / p99 ms |")
        add("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for f in bench.fills:
            w = f["wrk"]
            add(f"| {f['lo']:,}..{f['hi'] - 1:,} | {f['server']} | {f['count']:,} | {f['wall']:.1f} | "
                f"{fmt(f['rate'])} | {f['cpu']:.1f} | {f['origin_requests']:,} | {f['origin_cpu']:.1f} | "
                f"{f['non200']} | {fmt(w.get('p50_ms'), 2)} / {fmt(w.get('p99_ms'), 2)} |")
        add("")
    add("Phase wall times: " + ", ".join(f"{k} {v:.0f}s" for k, v in phase_times.items()) + ".")
    add("")
    for name in SERVERS:
        add(f"- {name} CPU by thread over the whole benchmark: {describe_thread_cpu(final[name]['thread_cpu'])}")
    add("")
    add("## Method")
    add("")
    add(f"- Origin: nginx (1 worker, plain HTTP on 127.0.0.1) as S3 with path addressing: `GET /{BUCKET}/KEY`. "
        f"Sized objects are random bytes in files; entry `/e/NNNNNNNN.bin` is `return 200` with a "
        f"{ENTRY_SIZE} B body naming its key and `ETag: \"/{BUCKET}/e/NNNNNNNN.bin\"`. Every 200 carries "
        f"`Cache-Control: max-age=86400`, S3's SSE-KMS headers (aws:kms, key id, bucket key) and request ids "
        f"(as tests/e2e/fake_origin.py sends them). Its stub_status counts requests.")
    add(f"- s3edge: `signing: always` with static dummy keys from the environment (the origin ignores the "
        f"signature), `require_sse_kms` default (true), `tls.min_version: TLSv1.3`, cache `max_size: "
        f"{max_size_mib}MiB` in the scratch directory, `max_object_size: 16MiB`, log level warning (no access log exists).")
    add(f"- nginx {NCPU} workers: `proxy_cache_path levels=1:2 keys_zone=bench:{keys_zone_mib}m "
        f"max_size={max_size_mib}m inactive=7d use_temp_path=off`, `proxy_cache_key $host$uri`, "
        f"`proxy_cache_valid 200 1d`, `proxy_cache_lock on`, `proxy_ignore_client_abort on`, upstream "
        f"`keepalive 64` with `proxy_http_version 1.1`, `proxy_hide_header` for what s3edge withholds "
        f"(x-amz-id-2, request ids, KMS key id), `add_header X-Cache-Status $upstream_cache_status`, "
        f"`ssl_protocols TLSv1.3` with the same suites and server preference, `ssl_session_cache shared:SSL:10m`, "
        f"`keepalive_requests 10000000`, `access_log off`; sendfile and open_file_cache at their defaults (off).")
    add(f"- Each measured run: {args.gap:g} s idle first; the proxy's CPU is Δ(utime+stime) over all its "
        f"processes; the order of the two proxies alternates from test to test. Unmeasured warm-up before the "
        f"size runs: {args.warmup} s of wrk and of h2load per proxy.")
    add(f"- Fills: wrk with a Lua script walking the key range by stride over {FILL_THREADS} threads, "
        f"{FILL_CONNECTIONS} connections; a thread is done when every one of its keys has answered (counted by "
        f"the entry's ETag), then wrk is stopped; the fill time is from start to the last key's answer. After "
        f"each fill, {args.sample} random entries plus the first and last are fetched one by one and must be "
        f"hits with the expected bytes. The random-key runs draw keys uniformly over all entries (wrk Lua, "
        f"`math.random`, seeded per thread).")
    try:
        bin_time = datetime.datetime.fromtimestamp(os.stat(args.bin_origin or args.bin).st_mtime).strftime(
            "%Y-%m-%d %H:%M:%S")
    except OSError:
        bin_time = "?"
    v = tool_versions()
    add(f"- Tools: {v['wrk']}; {v['h2load']}; {v['openssl']}; {v['nginx']}; s3edge {args.bin_origin or args.bin} "
        f"(modified {bin_time}, run from a private copy).")
    add(f"- Raw tool output, configs and caches: {workdir} (deleted at exit unless --keep).")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run_main(main, 3600)
