#!/usr/bin/python3
"""Cache encryption benchmark: the CPU a cache hit costs with cache.encryption on versus off.

Driven by benchmarks/cache-encryption (which does the preflight and the last-resort cleanup); run
that, not this. Standard library only.

Issue 7, item 6: "hit CPU per request with encryption on versus off, 1 KiB and 1 MiB, same run.
Target: at most 5 % more at 1 KiB and 30 % more at 1 MiB."

The origin, nginx, s3edge's configuration, the warm-up checks, the load runs and their CPU
accounting are cache_hit.py's (imported, not copied): one nginx origin standing in for S3, and in
front of it three caches side by side, each with its own cache directory and port, the same
certificate, TLS 1.3 only:

  s3edge            cache.encryption { mode: none }      (entries in clear)
  s3edge-enc        cache.encryption { mode: key_file }  (a 32-byte key file, mode 0400: every
                    chunk sealed in 64 KiB AES-256-GCM segments, every meta record sealed)
  nginx             proxy_cache (the peer; worker_processes = CPUs)

Phases:
  1. warm each sized object (1 KiB, 100 KiB, 1 MiB) through each cache and check it: a miss
     then a hit with the origin's exact bytes over HTTP/1.1 and HTTP/2, one origin request
     per cache
  2. prove the mode: the encrypted s3edge's cache files hold no 64-byte window of any body,
     the clear one's hold every body
  3. optionally (--entries N, default 10,000) fill each cache with N 1 KiB entries, so that a
     run of random keys makes every hit open a segment the reader has not kept (a single hot
     object's first segment stays open per event loop: see the report)
  4. --rounds rounds; in each, per object: wrk (HTTP/1.1 keep-alive) and h2load (HTTP/2), one
     cache at a time, the order of the three rotating (and reversed after three rounds); then the
     random-keys run. Medians over the rounds; ratios encrypted/clear (CPU µs per request: the
     target figure) and s3edge/nginx.
"""

import datetime
import os
import signal
import statistics
import subprocess
import time

from bench_common import (  # benchmarks/bench_common.py: helpers shared with the other benchmarks
    NCPU, count_lines, describe_thread_cpu, driver_parser, fmt, free_ports, load_errors, loadavg, log, make_cert,
    parse_h2load, parse_wrk, publish_report, ratio, run_main, set_log_prefix, thread_cpu, tool_versions,
)
from cache_hit import (  # the origin, the caches, their checks and load runs: see cache_hit.py
    ENTRY_FORMAT, H1_CONNECTIONS, H1_THREADS, H2_CLIENTS, H2_STREAMS, H2_THREADS, HIT, SENTINEL, SIZES, Bench,
    cache_dirs, cache_sizes, entry_body_template, start_cache_s3edge, start_servers, wait_answering,
)

set_log_prefix("cache-encryption")

CLEAR, SEALED, NGINX = "s3edge", "s3edge-enc", "nginx"
NAMES = (CLEAR, SEALED, NGINX)
LABELS = {CLEAR: "s3edge clear", SEALED: "s3edge encrypted", NGINX: "nginx"}
HIT[SEALED] = HIT[CLEAR]  # the same X-Cache: Hit from s3edge
TARGETS = {"1 KiB": 1.05, "1 MiB": 1.30}  # issue 7: encrypted/clear CPU per request at most
WINDOW = 64


def order(round_index):
    """The servers' order in a round: rotated each round, reversed in rounds 3-5 (all six orders
    over six rounds; each server once in each place over any three consecutive rounds)."""
    shift = round_index % len(NAMES)
    names = list(NAMES[shift:] + NAMES[:shift])
    return names[::-1] if (round_index // len(NAMES)) % 2 else names


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# --------------------------------------------------------------------------- mode check


def windows_found(directory, bodies):
    """{viewer path: [files]} for the bodies any of whose 64-byte windows at offsets that are
    multiples of 64 occurs anywhere in a file under `directory` (so any stretch of 127 bytes or
    more of a body stored as is shows up). Also returns the files' total size."""
    windows = {}
    for path, body in bodies.items():
        for offset in range(0, len(body) - WINDOW + 1, WINDOW):
            windows[body[offset:offset + WINDOW]] = path
    found = {}
    total = 0
    for dirpath, _, files in os.walk(directory):
        for name in files:
            file_path = os.path.join(dirpath, name)
            with open(file_path, "rb") as f:
                data = f.read()
            total += len(data)
            seen = set()
            for i in range(len(data) - WINDOW + 1):
                path = windows.get(data[i:i + WINDOW])
                if path is not None and path not in seen:
                    seen.add(path)
                    found.setdefault(path, []).append(os.path.relpath(file_path, directory))
    return found, total


# --------------------------------------------------------------------------- the benchmark


class EncryptionBench:
    def __init__(self, args, workdir, bench):
        self.args = args
        self.workdir = workdir
        self.bench = bench  # cache_hit.Bench: servers, origin, checks, measure, fill
        self.runs = []  # every measured run (cache_hit's record plus "round")
        self.tests = []  # test names in the order they first ran

    def check_mode(self, cache_dir_of):
        bodies = self.bench.origin.bodies
        for name, want_clear in ((CLEAR, True), (SEALED, False)):
            found, total = windows_found(cache_dir_of[name], bodies)
            if want_clear:
                ok = set(found) == set(bodies)
                text = (f"{name} (mode none): its cache files ({total:,} B) hold {len(found)} of the {len(bodies)} "
                        f"bodies in clear (64-byte windows found: {', '.join(sorted(found)) or 'none'})")
            else:
                ok = not found
                text = (f"{name} (mode key_file): its cache files ({total:,} B) hold no 64-byte window of any of "
                        f"the {len(bodies)} bodies" + ("" if ok else f"; FOUND: {found}"))
            self.bench.check(text, ok and total > 0)

    def fill_entries(self, count, body_of):
        for name in NAMES:
            self.bench.fill(name, 0, count)
        for name in NAMES:
            self.bench.verify_entries(name, count, body_of, self.args.sample)

    def run_round(self, round_index, entries):
        b = self.bench
        d = self.args.duration
        names = order(round_index)
        log(f"round {round_index + 1} of {self.args.rounds}: order {', '.join(names)}")
        for label, obj, _ in SIZES:
            path = "/" + obj
            for name in names:
                self.record(round_index, b.measure(f"{label} HTTP/1.1", name, b.wrk_argv(name, path, d), parse_wrk,
                                                   d, label=f"r{round_index}-h1-{obj}"))
            for name in names:
                log_file = os.path.join(self.workdir, f"h2load-{name}.log")
                self.record(round_index, b.measure(f"{label} HTTP/2", name, b.h2load_argv(name, path, d, log_file),
                                                   parse_h2load, d, h2_log=log_file, label=f"r{round_index}-h2-{obj}"))
        if entries:
            env = {"RAND_N": str(entries), "RAND_SEED": str(1000 + round_index), "RAND_FORMAT": ENTRY_FORMAT}
            for name in names:
                self.record(round_index, b.measure(f"1 KiB random keys of {entries:,} entries HTTP/1.1", name,
                                                   b.wrk_argv(name, "/", d, script=b.random_lua), parse_wrk, d,
                                                   env=env, label=f"r{round_index}-rand"))

    def record(self, round_index, r):
        r["round"] = round_index + 1
        self.runs.append(r)
        if r["test"] not in self.tests:
            self.tests.append(r["test"])

    def per(self, test, name):
        return [r for r in self.runs if r["test"] == test and r["server"] == name]

    def median_of(self, test, name, key):
        return median([r.get(key) for r in self.per(test, name) if r["ok"]])

    def round_ratios(self, test, key):
        """encrypted/clear of `key` per round (both runs of the round ok)."""
        out = []
        for round_ in sorted({r["round"] for r in self.runs}):
            a = next((r for r in self.per(test, SEALED) if r["round"] == round_ and r["ok"]), None)
            c = next((r for r in self.per(test, CLEAR) if r["round"] == round_ and r["ok"]), None)
            if a and c and a.get(key) and c.get(key):
                out.append(a[key] / c[key])
        return out


# --------------------------------------------------------------------------- report


def make_report(args, eb, started_at, load_before, load_after, final, logs, versions, workdir, entries):
    lines = []
    add = lines.append
    d = args.duration
    add(f"# s3edge cache encryption: hit CPU with encryption on vs off ({started_at:%Y-%m-%d %H:%M:%S} UTC)")
    add("")
    add(f"Machine: {NCPU} CPUs, shared by the three caches, the origin and the load generator (wrk or "
        f"h2load runs on the same {NCPU} cores as the cache it loads) and anything else running. Load average "
        f"before the run: {load_before}; after: {load_after}. {args.rounds} round(s) of {d} s runs, one cache "
        f"at a time, the order of the three rotating each round; figures are medians over the rounds. TLS 1.3 "
        f"only, the same certificate for all three. s3edge: 1 process, {final[CLEAR]['loops']} NIO event loops; "
        f"nginx: `worker_processes {NCPU}`.")
    add("")
    shares = sorted(r["other_cpu"] / (r["wall"] * NCPU) for r in eb.runs if r["wall"])
    if shares:
        busy = sum(1 for x in shares if x > 0.1)
        add(f"Other processes' CPU during the measured runs (the machine's busy time minus the cache and the load "
            f"generator): median {median(shares):.0%} of the machine, max {shares[-1]:.0%}; {busy} of "
            f"{len(shares)} runs above 10 %" + (" — **something else was running; the figures are noisy**."
                                                if busy > len(shares) // 10 else "."))
        add("")
    add("**CPU µs/request** (utime+stime of the cache's processes from /proc over the requests completed) is the "
        "figure the target is about; requests/s and latency also show how the cores were shared with the load "
        "generator.")
    add("")
    add("## Target: encrypted/clear CPU per request")
    add("")
    add("| Object | Protocol | clear µs/req | encrypted µs/req | encrypted/clear | per round | target | met |")
    add("|---|---|---:|---:|---:|---|---:|---|")
    verdicts = []
    for test in eb.tests:
        size = next((label for label in TARGETS if test.startswith(label)), None)
        target = TARGETS.get(size) if size else None
        c, e = eb.median_of(test, CLEAR, "server_us_per"), eb.median_of(test, SEALED, "server_us_per")
        per_round = eb.round_ratios(test, "server_us_per")
        value = median(per_round)
        met = "n/a" if target is None or value is None else ("yes" if value <= target else "**no**")
        if target is not None:
            verdicts.append((test, value, target))
        obj, _, protocol = test.rpartition(" ")
        add(f"| {obj} | {protocol} | {fmt(c, 1)} | {fmt(e, 1)} | {fmt(value, 3)} | "
            f"{', '.join(f'{x:.3f}' for x in per_round)} | {'≤ %.2f' % target if target else '—'} | {met} |")
    add("")
    add("encrypted/clear is the median of the per-round ratios (each round's two runs ran minutes apart at "
        "most, next to each other when the order allowed). The target applies to the 1 KiB rows (one hot object, "
        "and random keys) and the 1 MiB rows; 100 KiB is for context.")
    add("")
    add(f"## Results (medians of {args.rounds} round(s))")
    add("")
    add("Ratios here are of the medians (the target table's are medians of per-round ratios).")
    add("")
    add("| Test | Metric | s3edge clear | s3edge encrypted | nginx | encrypted/clear | clear/nginx | encrypted/nginx |")
    add("|---|---|---:|---:|---:|---:|---:|---:|")
    metrics = [("requests/s", "rps", 0), ("CPU µs/request", "server_us_per", 1), ("latency p50 ms", "p50_ms", 2),
               ("latency p99 ms", "p99_ms", 2)]
    for test in eb.tests:
        tool = (f"wrk -t{H1_THREADS} -c{H1_CONNECTIONS}" if "HTTP/1.1" in test
                else f"h2load -t{H2_THREADS} -c{H2_CLIENTS} -m{H2_STREAMS}")
        for i, (metric, key, digits) in enumerate(metrics):
            c, e, n = (eb.median_of(test, name, key) for name in NAMES)
            add(f"| {f'{test} ({tool})' if i == 0 else ''} | {metric} | {fmt(c, digits)} | {fmt(e, digits)} | "
                f"{fmt(n, digits)} | {ratio(e, c, 3)} | {ratio(c, n)} | {ratio(e, n)} |")
        origin = [sum(r["origin_requests"] for r in eb.per(test, name)) for name in NAMES]
        add(f"| | origin requests (all rounds; 0 = all hits) | {origin[0]} | {origin[1]} | {origin[2]} | | | |")
    add("")
    add("Ratios above 1 mean the first is higher: better for requests/s, worse for CPU and latency.")
    add("")
    add("A note on what a hit opens: each event loop's store reader keeps the last segment it opened whole "
        "(`checkFirstSegment` opens an object's first 64 KiB before the response starts and the body read then "
        "reuses it). Loading one object, a loop opens its first segment once and serves it from that copy "
        "after; its metadata record is opened once too, and reused while the stored record is byte for byte the "
        "one opened (each loop's table of decoded entries, 8,192 slots). So a hot 1 KiB hit opens nothing, and a "
        "1 MiB hit 15 of its 16 segments. "
        + (f"The random-keys row ({entries:,} entries, uniformly drawn, more than the table holds) has most hits "
           f"open both their metadata and their body segment." if entries else "Run with --entries N for a random-keys row where "
           "every hit opens its body segment too."))
    add("")
    add("## Checks")
    add("")
    checks = eb.bench.checks
    problems = [text for text, ok in checks if not ok]
    add(f"{len(checks) - len(problems)} of {len(checks)} checks passed"
        + (f"; **{len(problems)} failed** (marked ✗)." if problems else "."))
    add("")
    for text, ok in checks:
        add(f"- {'✓' if ok else '✗'} {text}")
    origin_during = sum(r["origin_requests"] for r in eb.runs)
    add(f"- {'✓' if origin_during == 0 else '✗'} origin requests during all measured runs: {origin_during}")
    def run_name(r):
        return f"{r['test']}/{r['server']} round {r['round']}"

    errors = [f"{run_name(r)}: exit {r['exit']} {r['stderr'][-200:]!r}" for r in eb.runs if not r["ok"]]
    errors += load_errors(eb.runs, run_name)
    add(f"- {'✓' if not errors else '✗'} load generator errors: {'; '.join(errors) if errors else 'none'}")
    for name, (count, sample) in logs.items():
        add(f"- {name} log: {count} line(s)" + (":" if sample else "."))
        for line in sample:
            add(f"    - `{line[:300]}`")
    add("")
    add("## Per-run details")
    add("")
    add("| Round | Test | Server | requests | req/s | CPU µs/req | cache CPU s | load-gen CPU s | other CPU s | "
        "origin requests |")
    add("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in sorted(eb.runs, key=lambda r: (eb.tests.index(r["test"]), r["round"], NAMES.index(r["server"]))):
        add(f"| {r['round']} | {r['test']} | {r['server']} | {r.get('requests', 0):,} | {fmt(r.get('rps'))} | "
            f"{fmt(r['server_us_per'], 1)} | {r['server_cpu']:.2f} | {r['client_cpu']:.2f} | {r['other_cpu']:.2f} | "
            f"{r['origin_requests']} |" + ("" if r["ok"] else f" FAILED exit {r['exit']}"))
    add("")
    add("`other CPU` = the machine's busy time (/proc/stat, without irq and softirq) minus the cache and the load "
        "generator during the run: everything else (noise; the origin and the idle caches do nothing during hits).")
    add("")
    for name in (CLEAR, SEALED):
        add(f"- {LABELS[name]} CPU by thread over the whole benchmark: "
            f"{describe_thread_cpu(final[name]['thread_cpu'], ids=False)}")
    add("")
    add("## Method")
    add("")
    add(f"- Origin, nginx proxy_cache and s3edge's configuration as in benchmarks/cache_hit.py (an nginx origin "
        f"as S3 with path addressing, SSE-KMS headers and `Cache-Control: max-age=86400`; s3edge `signing: "
        f"always`, `max_object_size: 16MiB`, log level warning). The two s3edges differ only in "
        f"`cache.encryption`: `{{ mode: none }}` and `{{ mode: key_file, key_file: … }}` (32 random bytes, mode "
        f"0400), each with its own cache directory and port.")
    add(f"- Each measured run: {args.gap:g} s idle first; the cache's CPU is Δ(utime+stime) over all its "
        f"processes; {args.warmup} s of wrk and of h2load per cache, unmeasured, before the first round. "
        f"Latency: wrk's `--latency` percentiles (HTTP/1.1), h2load's per-request log (HTTP/2).")
    add(f"- The mode check reads every file in each s3edge's cache directory after the warm-up and looks for each "
        f"body's {WINDOW}-byte windows at offsets that are multiples of {WINDOW} at every file offset: a body "
        f"stretch of {2 * WINDOW - 1} bytes or more stored as is would contain one.")
    if entries:
        add(f"- Random keys: each cache filled with entries 0..{entries - 1:,} (1 KiB each; cache_hit's wrk fill), "
            f"{args.sample} sampled entries checked as hits with the right bytes, then wrk with cache_hit's "
            f"random-key Lua script (uniform over the entries, seeded per round).")
    add(f"- Tools: {versions}.")
    add(f"- Raw tool output, configs and caches: {workdir} (deleted at exit unless --keep).")
    if any(v is None or v > t for _, v, t in verdicts):
        add("- A target missed: see the profile in the commit or issue that carries this report, or profile with "
            "`perf record -g -p PID` on the encrypted s3edge under wrk (`--keep` keeps the scratch directory).")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def main():
    ap = driver_parser(__doc__)
    ap.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds over every test and cache (default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured seconds of wrk and of h2load per cache")
    ap.add_argument("--gap", type=float, default=1.0, help="idle seconds before each measured run")
    ap.add_argument("--entries", type=int, default=10_000, help="entries for the random-keys run (0: none)")
    ap.add_argument("--sample", type=int, default=100, help="entries checked one by one after the fill")
    ap.add_argument("--fill-timeout", type=int, default=1800, help="seconds one fill may take")
    args = ap.parse_args()
    if not 1 <= args.rounds <= 12:
        raise RuntimeError("--rounds must be 1 to 12")
    tests = len(SIZES) * 2 + (1 if args.entries else 0)
    signal.alarm(int(600 + args.rounds * tests * len(NAMES) * (args.duration + args.gap + 15)
                     + args.entries * len(NAMES) * 0.01))

    workdir = os.path.abspath(args.workdir)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    load_before = loadavg()
    max_size_mib, keys_zone_mib = cache_sizes(workdir, args.entries)
    make_cert(args.bin, f"{workdir}/cert.pem", f"{workdir}/key.pem")
    _, body_of = entry_body_template()
    key_file = os.path.join(workdir, "cache.key")
    with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400), "wb") as f:
        f.write(os.urandom(32))

    bench = Bench(args, workdir)  # its measure reads args.gap, its fill args.fill_timeout, warm_up args.warmup
    eb = EncryptionBench(args, workdir, bench)
    clear_port, nginx_port, origin_port, sealed_port = free_ports(4)
    clear_cache, _ = cache_dirs(workdir)
    sealed_cache = os.path.join(workdir, "s3edge-enc-cache")
    try:
        start_servers(bench, args.bin, workdir, (clear_port, nginx_port, origin_port), max_size_mib, keys_zone_mib,
                      encryption="{ mode: none }", admin="off")
        deadline = time.monotonic() + 60
        start_cache_s3edge(bench, SEALED, args.bin, workdir, sealed_port, origin_port, sealed_cache, max_size_mib,
                           deadline, encryption=f"{{ mode: key_file, key_file: {key_file} }}", admin="off")
        wait_answering(bench, [SEALED], deadline)

        bench.warm_sized(names=NAMES)
        eb.check_mode({CLEAR: clear_cache, SEALED: sealed_cache})
        if args.entries:
            eb.fill_entries(args.entries, body_of)
        bench.warm_up(names=NAMES)
        for round_index in range(args.rounds):
            eb.run_round(round_index, args.entries)
        bench.alive_or_fail()
        final = {name: {"thread_cpu": thread_cpu(bench.servers[name].pids)} for name in (CLEAR, SEALED)}
        for name in final:
            final[name]["loops"] = sum(1 for (_, _, n) in final[name]["thread_cpu"] if n.startswith("NIO-ELT"))
    finally:
        bench.stop_all()
    load_after = loadavg()

    logs = {}
    expected = ("plain http to the origin", "cache.encryption")  # mode none warns at every start, by design
    for name in NAMES:
        with open(bench.servers[name].log_path, errors="replace") as f:
            text = f.read().splitlines()
        logs[name] = (len(text), [line for line in text if not any(e in line for e in expected)][:8])
    logs["origin"] = (count_lines(bench.origin.server.log_path), [])

    v = tool_versions()
    s3_version = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip()
    versions = (f"s3edge {s3_version} ({args.bin_origin or args.bin}); {v['nginx']}; {v['wrk']}; {v['h2load']}; "
                f"{v['openssl']}")
    report = make_report(args, eb, started_at, load_before, load_after, final, logs, versions, workdir, args.entries)
    publish_report(report, args.out, workdir, {"runs": eb.runs, "checks": bench.checks, "fills": bench.fills})
    failed = [f"{r['test']}/{r['server']}/{r['round']}" for r in eb.runs if not r["ok"]]
    problems = [text for text, ok in bench.checks if not ok] + [r["test"] for r in eb.runs if r["origin_requests"]]
    if failed:
        log(f"some runs failed: {', '.join(failed)}")
    if problems:
        log(f"{len(problems)} check(s) failed; see the report's Checks section")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    run_main(main, 4 * 3600)
