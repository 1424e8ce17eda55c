"""Helpers shared by the benchmark drivers (tls_edge.py, origin_fetch.py, cache_hit.py,
invalidation.py).

Standard library only. Nothing here starts anything by itself; every process a driver starts is
recorded in WORKDIR/pids so that the bash entry point can stop it if the driver itself dies
(`python3 bench_common.py stop-recorded WORKDIR PATTERN...`, see stop_recorded).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import resource
import signal
import socket
import ssl
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1
NGINX = "/usr/sbin/nginx"

_log_prefix = "bench"


def set_log_prefix(prefix: str) -> None:
    global _log_prefix
    _log_prefix = prefix


def log(message: str) -> None:
    print(f"[{_log_prefix}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- /proc


def proc_children(pid):
    """Direct children of pid (nginx workers of the master)."""
    children = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children.extend(int(x) for x in f.read().split())
        return children
    except OSError:
        pass
    # Kernels without the children file: scan ppids.
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                    children.append(int(entry))
            except (OSError, ValueError):
                pass
    return children


def process_tree(pid):
    return [pid] + proc_children(pid)


def cpu_seconds(pid):
    """utime + stime of one process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def tree_cpu(pids):
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:
            pass
    return total


def status_kib(pid, key):
    """A `key: N kB` line of /proc/PID/status (VmHWM, VmRSS, RssAnon, ...), in KiB; 0 if absent."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rollup_kib(pid):
    """/proc/PID/smaps_rollup as {field: KiB} (Rss, Pss, Pss_Anon, Pss_File, Pss_Shmem, ...)."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    out[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        pass
    return out


def machine_busy_seconds():
    """(non-idle CPU time of the whole machine, all cores; its irq+softirq part), seconds."""
    with open("/proc/stat") as f:
        parts = f.readline().split()
    values = [int(x) for x in parts[1:]]
    idle = values[3] + values[4]  # idle + iowait
    # user nice system idle iowait irq softirq steal; guest* are already inside user/nice.
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, (values[5] + values[6]) / CLK_TCK


def thread_cpu(pids):
    """{(pid, tid, name): cpu seconds} for every thread of the given processes."""
    out = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            out[(pid, int(tid), name)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def describe_thread_cpu(cpu_by_thread, ids=True, minimum=0.05):
    """thread_cpu's result as "NAME (pid P/tid T) 1.2s, ..." (busiest first; without the ids if
    not `ids`), leaving out threads under `minimum` seconds."""
    parts = sorted(cpu_by_thread.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{n} (pid {p}/tid {t}) {c:.1f}s" if ids else f"{n} {c:.1f}s"
                     for (p, t, n), c in parts if c >= minimum)


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --------------------------------------------------------------------------- processes


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count):
    """`count` distinct free loopback ports."""
    ports = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def record_pid(workdir, pid):
    """Remembers a started process for the bash entry point's last-resort cleanup."""
    with open(os.path.join(str(workdir), "pids"), "a") as f:
        f.write(f"{pid}\n")


def _command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


def stop_recorded(workdir, patterns, grace=5.0):
    """Last-resort cleanup for a bash entry point whose driver could not stop what it started
    (killed with SIGKILL, crashed): SIGTERM, then SIGKILL after `grace` seconds, to each pid of
    WORKDIR/pids whose command line (arguments joined by spaces) still matches one of the
    fnmatch `patterns`, so that a pid since reused by something else is left alone. Returns the
    pids signalled."""
    try:
        with open(os.path.join(str(workdir), "pids")) as f:
            pids = list(dict.fromkeys(int(x) for x in f.read().split() if x.isdigit()))
    except OSError:
        return []

    def matches(pid):
        command = _command_line(pid)
        return bool(command) and any(fnmatch.fnmatchcase(command, p) for p in patterns)

    signalled = []
    for pid in pids:
        if matches(pid):
            try:
                os.kill(pid, signal.SIGTERM)
                signalled.append(pid)
            except OSError:
                pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(matches(pid) for pid in signalled):
        time.sleep(0.1)
    for pid in signalled:
        if matches(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return signalled


def tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as error:
        return f"(cannot read {path}: {error})"


def count_lines(path):
    try:
        with open(path, errors="replace") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


class Server:
    """A started server (s3edge, or an nginx master with its workers)."""

    def __init__(self, name, proc, port, log_path):
        self.name = name
        self.proc = proc
        self.port = port
        self.log_path = log_path

    @property
    def pids(self):
        return process_tree(self.proc.pid)

    def cpu(self):
        return tree_cpu(self.pids)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=8):
        if self.proc.poll() is not None:
            return
        pids = self.pids
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"{self.name} did not stop within {timeout}s of SIGTERM; sending SIGKILL")
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            self.proc.wait(timeout=5)


def make_cert(binary, cert, key, names=("localhost", "127.0.0.1")):
    """`s3edge make-cert` (ECDSA P-256 by default); raises RuntimeError on failure."""
    made = subprocess.run([str(binary), "make-cert", "--cert", str(cert), "--key", str(key), *names],
                          capture_output=True, text=True, timeout=30)
    if made.returncode != 0:
        raise RuntimeError(f"s3edge make-cert failed: {made.stderr or made.stdout}")


def describe_cert(cert):
    """"id-ecPublicKey prime256v1"-style summary of a PEM certificate (openssl x509)."""
    text = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-text"],
                          capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"Public Key Algorithm: (\S+).*?(?:ASN1 OID: (\S+)|Public-Key: \((\d+) bit\))", text, re.S)
    return f"{m.group(1)} {m.group(2) or (m.group(3) + ' bit')}" if m else "?"


def start_s3edge(binary, config_path, workdir, port, *, env=None, log_path=None, deadline=None, name="s3edge"):
    """Starts `s3edge serve --config config_path`, waits for READY=1 on a private NOTIFY_SOCKET
    (as systemd does) and returns a Server. `env` adds to (and, for AWS_* keys, replaces) the
    environment: every AWS_* variable of the caller is dropped so that only the given ones count.
    Stops the process and raises RuntimeError (with the log's tail) if it exits or is not ready
    by `deadline` (time.monotonic(); default 20 s from now)."""
    config_path = str(config_path)
    directory = os.path.dirname(config_path)
    log_path = str(log_path or os.path.join(directory, "s3edge.log"))
    deadline = deadline or time.monotonic() + 20
    notify_path = os.path.join(directory, f"notify-{port}.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "JOURNAL_STREAM"}
    full_env.update(env or {})
    full_env["NOTIFY_SOCKET"] = notify_path
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([str(binary), "serve", "--config", config_path], stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=subprocess.STDOUT, env=full_env)
    record_pid(workdir, proc.pid)
    server = Server(name, proc, port, log_path)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"s3edge exited with status {proc.returncode}; log:\n{tail(log_path)}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"s3edge sent no READY=1 in time; log:\n{tail(log_path)}")
            notify.settimeout(min(0.5, remaining))
            try:
                message = notify.recv(4096).decode(errors="replace")
            except socket.timeout:
                continue
            if "READY=1" in message.split("\n"):
                break
    except BaseException:
        server.stop()
        raise
    finally:
        notify.close()
        try:
            os.unlink(notify_path)
        except OSError:
            pass
    return server


def nginx_common_http(prefix):
    """The http{} lines every benchmark nginx shares: no access log, temp paths under `prefix`."""
    return f"""    access_log off;
    server_tokens off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
"""


NGINX_TLS12_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                       "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305")


def nginx_tls_server_lines(cert, key, protocols="TLSv1.2 TLSv1.3"):
    """server{} TLS lines mirroring s3edge's TLSv1.2_2021 policy: versions, TLS 1.2 ciphers, TLS 1.3
    suites, groups, server preference (SSL_OP_CIPHER_SERVER_PREFERENCE | PRIORITIZE_CHACHA),
    session cache and tickets."""
    return f"""        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols {protocols};
        ssl_ciphers {NGINX_TLS12_CIPHERS};
        ssl_prefer_server_ciphers on;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
        ssl_conf_command Options PrioritizeChaCha;
        ssl_ecdh_curve X25519:P-256:P-384;
        ssl_session_cache shared:SSL:10m;
        ssl_session_timeout 300s;
        ssl_session_tickets on;
"""


def start_nginx(prefix, conf_text, workdir, *, name="nginx", ready=None, workers=0, deadline=None):
    """Writes PREFIX/nginx.conf, checks it with nginx -t, starts nginx in the foreground (daemon
    off) and returns a Server (log_path: PREFIX/error.log; port: None). `ready()` is called until
    it returns without raising OSError/ssl.SSLError (or the deadline passes); then, when `workers`
    is given, waits up to 3 s for that many children. Every pid is recorded."""
    prefix = str(prefix)
    os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    check = subprocess.run([NGINX, "-t", "-p", prefix, "-c", conf, "-g", "daemon off;"],
                           capture_output=True, text=True, timeout=20)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed for {conf}:\n{check.stderr}")
    log_path = os.path.join(prefix, "error.log")
    with open(os.path.join(prefix, "stderr.log"), "wb") as out:
        proc = subprocess.Popen([NGINX, "-p", prefix, "-c", conf, "-g", "daemon off;"],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    record_pid(workdir, proc.pid)
    server = Server(name, proc, None, log_path)
    deadline = deadline or time.monotonic() + 20
    try:
        last = None
        while ready is not None:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with status {proc.returncode}; error.log:\n{tail(log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not ready in time (last error: {last}); error.log:\n{tail(log_path)}")
            try:
                ready()
                break
            except (OSError, ssl.SSLError) as error:
                last = error
                time.sleep(0.1)
        settle = min(deadline, time.monotonic() + 3)
        while len(proc_children(proc.pid)) < workers and time.monotonic() < settle:
            time.sleep(0.05)
        for pid in proc_children(proc.pid):
            record_pid(workdir, pid)
    except BaseException:
        server.stop()
        raise
    return server


def nginx_version():
    return subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip()


def tool_versions():
    """One-line versions of wrk, h2load and openssl (for reports)."""
    def first(argv, stream="stdout"):
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        except OSError:
            return "?"
        text = getattr(done, stream).strip()
        return text.splitlines()[0] if text else "?"
    return {
        "nginx": nginx_version(),
        "wrk": first(["wrk", "-v"]).split("Copyright")[0].strip(),
        "h2load": first(["h2load", "--version"]),
        "openssl": first(["openssl", "version"]),
    }


# --------------------------------------------------------------------------- TLS clients


def client_context(maximum=None, minimum=None, alpn=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if maximum:
        ctx.maximum_version = maximum
    if minimum:
        ctx.minimum_version = minimum
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def https_get(port, path="/", *, host="localhost", maximum=None, minimum=None, timeout=5.0, agent="bench",
              headers=()):
    """One HTTP/1.1 GET over TLS to 127.0.0.1:port, with `headers` ("Name: value" lines) added.
    Returns a dict describing the answer, including the exact wire bytes of the response head and
    body (Content-Length bodies only)."""
    ctx = client_context(maximum=maximum, minimum=minimum, alpn=["http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as tls:
            extra = "".join(f"{line}\r\n" for line in headers)
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {agent}\r\nAccept: */*\r\n{extra}\r\n"
                        .encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = tls.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed before the response head ended")
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = []
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers.append((name.strip(), value.strip()))
            length = next((int(v) for n, v in headers if n.lower() == "content-length"), None)
            if length is None:
                raise ConnectionError("response has no Content-Length")
            while len(rest) < length:
                chunk = tls.recv(1 << 20)
                if not chunk:
                    break
                rest += chunk
            return {
                "status_line": lines[0],
                "status": int(lines[0].split()[1]),
                "headers": headers,
                "head_bytes": len(head) + 4,
                "body": rest[:length],
                "tls_version": tls.version(),
                "cipher": tls.cipher()[0],
                "alpn": tls.selected_alpn_protocol(),
            }


def header(answer, name):
    """First value of header `name` (any case) in an https_get answer, or None."""
    return next((v for n, v in answer["headers"] if n.lower() == name.lower()), None)


def tls_probe(port, version):
    """Negotiated protocol and cipher for a handshake limited to `version`."""
    ctx = client_context(maximum=version, minimum=version)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return f"{tls.version()} {tls.cipher()[0]}"


def wait_https(port, proc, deadline, path="/"):
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before it was ready")
        try:
            return https_get(port, path, timeout=2)
        except (OSError, ssl.SSLError) as error:
            last = error
            time.sleep(0.1)
    raise RuntimeError(f"no HTTPS answer on 127.0.0.1:{port} in time (last error: {last})")


# --------------------------------------------------------------------------- load generators


def parse_duration_seconds(text):
    m = re.match(r"([\d.]+)(us|ms|s|m|h)?$", text)
    if not m:
        return None
    value = float(m.group(1))
    return value * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def stop_wrk(proc):
    """Stops a wrk started with Popen: SIGINT, on which it prints its summary and exits; SIGKILL if
    it has not within 15 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def parse_wrk(out):
    r = {}
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", out)
    if m:
        r["requests"] = int(m.group(1))
        r["tool_seconds"] = parse_duration_seconds(m.group(2))
        r["read"] = m.group(3)
    m = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = dict(zip(["connect", "read", "write", "timeout"], map(int, m.groups()))) if m else {}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+\w+)", out, re.M)
        if m:
            r[f"p{pct}_ms"] = parse_duration_seconds(m.group(1)) * 1000
    return r


def parse_h2load(out):
    r = {}
    m = re.search(r"finished in ([\d.]+\w+), ([\d.]+) req/s", out)
    if m:
        r["tool_seconds"] = parse_duration_seconds(m.group(1))
        r["rps"] = float(m.group(2))
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", out)
    if m:
        keys = ["total", "started", "done", "succeeded", "failed", "errored", "timeout"]
        r["req"] = dict(zip(keys, map(int, m.groups())))
        r["requests"] = r["req"]["done"]
    m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    if m:
        r["status"] = dict(zip(["2xx", "3xx", "4xx", "5xx"], map(int, m.groups())))
    m = re.search(r"traffic: .*?\((\d+)\) total, .*?\((\d+)\) headers \(space savings ([\d.]+)%\), "
                  r".*?\((\d+)\) data", out)
    if m:
        r["traffic"] = {"total": int(m.group(1)), "headers": int(m.group(2)),
                        "hpack_savings_pct": float(m.group(3)), "data": int(m.group(4))}
    tls = []
    for key in ("TLS Protocol", "Cipher", "Server Temp Key", "Application protocol"):
        m = re.search(rf"^{key}: (.*)$", out, re.M)
        if m:
            tls.append(f"{key}: {m.group(1).strip()}")
    r["tls_details"] = "; ".join(tls)
    m = re.search(r"^time for request:\s+\S+\s+\S+\s+(\S+)", out, re.M)
    if m:
        r["mean_ms"] = parse_duration_seconds(m.group(1)) * 1000
    return r


def h2load_log_percentiles(path, percentiles=(50, 99)):
    """{"p50_ms": ..., "p99_ms": ...} from an h2load --log-file (start µs, status, duration µs per
    line, tab-separated); {} if the file is missing or empty."""
    durations = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split("\t")
                if len(parts) >= 3:
                    try:
                        durations.append(int(parts[2]))
                    except ValueError:
                        pass
    except OSError:
        return {}
    if not durations:
        return {}
    durations.sort()
    out = {}
    for p in percentiles:
        index = max(0, min(len(durations) - 1, -(-p * len(durations) // 100) - 1))
        out[f"p{p}_ms"] = durations[index] / 1000
    return out


def run_measured(server, argv, parse, timeout, workdir, label, extra_pids=()):
    """Runs one load generator against one server; returns its figures plus CPU accounting:
    server CPU (utime+stime of all the server's processes, /proc), load generator CPU
    (getrusage of the reaped child) and the rest of the machine's busy time ("other")."""
    pids = server.pids
    server_before = tree_cpu(pids)
    client_before = children_cpu_seconds()
    busy_before, irq_before = machine_busy_seconds()
    start = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        out, err, rc = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        err = f"TIMEOUT after {timeout}s"
        rc = None
    wall = time.monotonic() - start
    server_cpu = tree_cpu(pids) - server_before
    client_cpu = children_cpu_seconds() - client_before
    busy_after, irq_after = machine_busy_seconds()
    busy, irq = busy_after - busy_before, irq_after - irq_before
    with open(os.path.join(str(workdir), f"{label}-{server.name}.out"), "w") as f:
        f.write(f"$ {' '.join(argv)}\n(exit {rc}, wall {wall:.2f}s)\n{out}\n--- stderr ---\n{err}")
    r = parse(out)
    r.update(argv=" ".join(argv), exit=rc, wall=wall, server_cpu=server_cpu, client_cpu=client_cpu,
             other_cpu=max(0.0, busy - irq - server_cpu - client_cpu), irq_cpu=irq,
             stderr=err.strip()[-600:], stdout_tail=out.strip()[-400:])
    n = r.get("requests") or 0
    r["server_us_per"] = server_cpu / n * 1e6 if n else None
    r["client_us_per"] = client_cpu / n * 1e6 if n else None
    if "rps" not in r and n:
        r["rps"] = n / wall
    r["ok"] = rc == 0 and n > 0
    return r


# --------------------------------------------------------------------------- report


def fmt(value, digits=0):
    if value is None:
        return "n/a"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def publish_report(report, out, workdir, results):
    """Prints the markdown report, writes it to `out` (if given) and the raw figures to
    WORKDIR/results.json."""
    print(report)
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w") as f:
            f.write(report)
        log(f"report written to {out}")
    with open(os.path.join(str(workdir), "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)


def load_errors(runs, describe=lambda r: f"{r['test']}/{r['server']}"):
    """What the load generator reported going wrong in measured runs (run_measured's records):
    wrk's non-2xx answers and socket errors, h2load's failed, errored and timed-out requests;
    one line a run, named by `describe(run)`."""
    errors = []
    for r in runs:
        if r.get("non2xx") or any(r.get("socket_errors", {}).values()):
            errors.append(f"{describe(r)}: non-2xx {r.get('non2xx', 0)}, socket errors {r.get('socket_errors')}")
        q = r.get("req")
        if q and (q.get("failed") or q.get("errored") or q.get("timeout")):
            errors.append(f"{describe(r)}: h2load failed {q['failed']}, errored {q['errored']}, "
                          f"timeout {q['timeout']}")
    return errors


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.{digits}f}"


def checks_section(checks, list_passed=True, most=None):
    """The report's "## Checks" lines: the heading, how many of the (text, ok) checks passed, and a
    ✓/✗ line per check (only the failed ones unless `list_passed`; at most `most` lines)."""
    problems = [text for text, ok in checks if not ok]
    lines = ["## Checks", "", f"{len(checks) - len(problems)} of {len(checks)} checks passed"
             + (f"; **{len(problems)} failed** (marked ✗)." if problems else "."), ""]
    shown = [(text, ok) for text, ok in checks if list_passed or not ok][:most]
    return lines + [f"- {'✓' if ok else '✗'} {text}" for text, ok in shown]


def exit_status(failed_runs, checks):
    """The driver's exit status: 1, after logging why, when a run (named in `failed_runs`) failed or
    a (text, ok) check did not pass; else 0."""
    problems = [text for text, ok in checks if not ok]
    if failed_runs:
        log(f"runs failed or not counted: {', '.join(failed_runs)}")
    if problems:
        log(f"{len(problems)} check(s) failed; see the report's Checks section")
    return 1 if failed_runs or problems else 0


def stop_all(servers):
    """Stops each server (anything with stop()), logging a failure instead of raising, so that one
    that will not stop does not leave the others running."""
    for s in servers:
        try:
            s.stop()
        except Exception as error:  # keep stopping the others
            log(f"stopping {getattr(s, 'name', 'the origin')}: {error}")


# --------------------------------------------------------------------------- entry point


def driver_parser(doc):
    """An argument parser with what every driver takes from its bash entry point: --bin,
    --bin-origin, --workdir, --out."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="s3edge binary")
    ap.add_argument("--bin-origin", help="where --bin was copied from (for the report)")
    ap.add_argument("--workdir", required=True, help="empty scratch directory (cert, configs, caches, logs)")
    ap.add_argument("--out", help="also write the markdown report here")
    return ap


class TimeLimit(Exception):
    pass


def run_main(main, max_seconds):
    """Runs main() with SIGTERM/SIGINT turned into KeyboardInterrupt (so `finally` blocks stop the
    servers) and an overall time limit; exits with main's status (1 on RuntimeError or the time
    limit, 130 when interrupted)."""
    def on_alarm(signum, frame):
        raise TimeLimit()

    def on_term(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(max_seconds))
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    except TimeLimit:
        log(f"error: the benchmark did not finish within {int(max_seconds)}s; stopped")
        sys.exit(1)
    except RuntimeError as error:
        log(f"error: {error}")
        sys.exit(1)


if __name__ == "__main__":
    # For the bash entry points' exit traps: stop what a dead driver left running.
    if len(sys.argv) >= 4 and sys.argv[1] == "stop-recorded":
        stopped = stop_recorded(sys.argv[2], sys.argv[3:])
        if stopped:
            print(f"stopped leftover processes: {' '.join(map(str, stopped))}", file=sys.stderr)
        sys.exit(0)
    print("usage: bench_common.py stop-recorded WORKDIR PATTERN...", file=sys.stderr)
    sys.exit(2)
