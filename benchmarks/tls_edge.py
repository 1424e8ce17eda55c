#!/usr/bin/python3
"""TLS edge benchmark: s3edge against nginx on loopback, same certificate, same response.

Driven by benchmarks/tls-edge (which does the preflight and the last-resort cleanup); run
that, not this. Standard library only.

One run starts both servers, checks that they answer the same status and the same body
bytes, then measures, for each server in turn (the order alternates between tests):

  h1   HTTPS keep-alive requests/s over HTTP/1.1, TLS 1.3        wrk -t1 -c32 --latency
  h2   HTTPS requests/s over HTTP/2, TLS 1.3                      h2load -t1 -c16 -m10 -D N
  hs13 new TLS 1.3 connections/s, full handshakes, no resumption  openssl s_time -new -tls1_3
  hs12 the same with TLS 1.2                                      openssl s_time -new -tls1_2

and around every run the server's CPU time (utime+stime from /proc/PID/stat summed over
all its processes), the load generator's CPU time (getrusage of the reaped child) and the
whole machine's busy time (/proc/stat), so the CPU left to "other" processes shows how much
of the box the run did not have. At the end: peak RSS (VmHWM) of every server process.
"""

import argparse
import datetime
import json
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1

H1_CONNECTIONS = 32
H2_CONNECTIONS = 16
H2_STREAMS = 10
MAX_SECONDS = 300  # whole run, including server start and stop (SIGALRM)


def log(message):
    print(f"[tls-edge] {message}", file=sys.stderr, flush=True)


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
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


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


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- servers


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def https_get(port, maximum=None, minimum=None, timeout=5.0):
    """One keep-alive HTTP/1.1 GET / with Host: localhost. Returns a dict describing the answer,
    including the exact wire bytes of the response head and body."""
    ctx = client_context(maximum=maximum, minimum=minimum, alpn=["http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: tls-edge\r\nAccept: */*\r\n\r\n")
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
                chunk = tls.recv(65536)
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


def tls_probe(port, version):
    """Negotiated protocol and cipher for a handshake limited to `version`."""
    ctx = client_context(maximum=version, minimum=version)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return f"{tls.version()} {tls.cipher()[0]}"


def wait_https(port, proc, deadline):
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before it was ready")
        try:
            return https_get(port, timeout=2)
        except (OSError, ssl.SSLError) as error:
            last = error
            time.sleep(0.1)
    raise RuntimeError(f"no HTTPS answer on 127.0.0.1:{port} in time (last error: {last})")


class Server:
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

    def stop(self):
        if self.proc.poll() is not None:
            return
        pids = self.pids
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            log(f"{self.name} did not stop within 8s of SIGTERM; sending SIGKILL")
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            self.proc.wait(timeout=5)


def record_pid(workdir, pid):
    with open(os.path.join(workdir, "pids"), "a") as f:
        f.write(f"{pid}\n")


def start_s3edge(binary, workdir, port, deadline):
    config = os.path.join(workdir, "s3edge.yaml")
    with open(config, "w") as f:
        f.write(
            "listen:\n"
            f'  https: "127.0.0.1:{port}"\n'
            "tls:\n"
            "  certificates:\n"
            "    - cert: cert.pem\n"
            "      key: key.pem\n"
            "log: { level: warning }\n"
            "limits: { max_connections: 100000 }\n"
            "distributions:\n"
            "  - id: BENCH\n"
            "    hostnames: [localhost]\n"
        )
    notify_path = os.path.join(workdir, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    log_path = os.path.join(workdir, "s3edge.log")
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    env.pop("JOURNAL_STREAM", None)
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [binary, "serve", "--config", config],
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, env=env,
        )
    record_pid(workdir, proc.pid)
    server = Server("s3edge", proc, port, log_path)
    # Ready = READY=1 on $NOTIFY_SOCKET (sd_notify); "s3edge ready" is an info-level line
    # and this config logs warnings only.
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
    return server


def nginx_quote(text):
    if "$" in text:
        raise RuntimeError("the s3edge body contains '$', which nginx's return would expand")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def start_nginx(workdir, port, body, deadline):
    prefix = os.path.join(workdir, "nginx")
    os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
    conf = os.path.join(prefix, "nginx.conf")
    ciphers = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
               "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305")
    user = "user root;" if os.geteuid() == 0 else ""
    with open(conf, "w") as f:
        f.write(f"""# generated by benchmarks/tls_edge.py
{user}
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    server_tokens off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    server {{
        # nginx 1.22 syntax; 1.25.1+ would say "http2 on;".
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {workdir}/cert.pem;
        ssl_certificate_key {workdir}/key.pem;
        # Mirror s3edge's TLSv1.2_2021 policy: versions, TLS 1.2 ciphers, TLS 1.3 suites,
        # groups, server preference (SSL_OP_CIPHER_SERVER_PREFERENCE | PRIORITIZE_CHACHA).
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers {ciphers};
        ssl_prefer_server_ciphers on;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
        ssl_conf_command Options PrioritizeChaCha;
        ssl_ecdh_curve X25519:P-256:P-384;
        ssl_session_cache shared:SSL:10m;
        ssl_session_timeout 300s;
        ssl_session_tickets on;
        default_type "text/plain; charset=utf-8";
        location / {{
            return 503 {nginx_quote(body)};
        }}
    }}
}}
""")
    check = subprocess.run(["/usr/sbin/nginx", "-t", "-p", prefix, "-c", conf, "-g", "daemon off;"],
                           capture_output=True, text=True, timeout=20)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    log_path = os.path.join(prefix, "error.log")
    with open(os.path.join(prefix, "stderr.log"), "wb") as out:
        proc = subprocess.Popen(["/usr/sbin/nginx", "-p", prefix, "-c", conf, "-g", "daemon off;"],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    record_pid(workdir, proc.pid)
    server = Server("nginx", proc, port, log_path)
    try:
        wait_https(port, proc, deadline)
        # Workers are forked after the listener is open: wait until they are all there.
        # (worker_processes auto = online CPUs; give up waiting after 3 s, whatever the count.)
        settle = min(deadline, time.monotonic() + 3)
        while len(proc_children(proc.pid)) < NCPU and time.monotonic() < settle:
            time.sleep(0.05)
        for pid in proc_children(proc.pid):
            record_pid(workdir, pid)
    except BaseException:
        server.stop()
        raise
    return server


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


# --------------------------------------------------------------------------- load generators


def parse_duration_seconds(text):
    m = re.match(r"([\d.]+)(us|ms|s|m|h)?$", text)
    if not m:
        return None
    value = float(m.group(1))
    return value * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


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


def parse_s_time(out):
    r = {}
    m = re.search(r"(\d+) connections in ([\d.]+)s; ([\d.]+) connections/user sec", out)
    if m:
        r["requests"] = int(m.group(1))
        r["client_user_seconds"] = float(m.group(2))
    m = re.search(r"(\d+) connections in (\d+) real seconds", out)
    if m:
        r["connections_real"] = int(m.group(1))
    return r


def run_measured(server, argv, parse, timeout, workdir, label):
    """Runs one load generator against one server; returns its figures plus CPU accounting."""
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
    with open(os.path.join(workdir, f"{label}-{server.name}.out"), "w") as f:
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


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.{digits}f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="s3edge binary")
    ap.add_argument("--bin-origin", help="where --bin was copied from (for the report)")
    ap.add_argument("--workdir", required=True, help="empty scratch directory (cert, configs, logs)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per throughput run (wrk, h2load)")
    ap.add_argument("--hs-duration", type=int, default=8, help="seconds per handshake run (s_time)")
    ap.add_argument("--warmup", type=int, default=1, help="seconds of unmeasured wrk and h2load per server")
    ap.add_argument("--no-tls12", action="store_true", help="skip the TLS 1.2 handshake test")
    ap.add_argument("--out", help="also write the markdown report here")
    args = ap.parse_args()

    workdir = os.path.abspath(args.workdir)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    with open("/proc/loadavg") as f:
        loadavg_before = " ".join(f.read().split()[:3])
    deadline = time.monotonic() + 60

    made = subprocess.run([args.bin, "make-cert", "--cert", f"{workdir}/cert.pem", "--key", f"{workdir}/key.pem",
                           "localhost", "127.0.0.1"], capture_output=True, text=True, timeout=30)
    if made.returncode != 0:
        raise RuntimeError(f"s3edge make-cert failed: {made.stderr or made.stdout}")
    cert_text = subprocess.run(["openssl", "x509", "-in", f"{workdir}/cert.pem", "-noout", "-text"],
                               capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"Public Key Algorithm: (\S+).*?(?:ASN1 OID: (\S+)|Public-Key: \((\d+) bit\))", cert_text, re.S)
    cert_desc = f"{m.group(1)} {m.group(2) or (m.group(3) + ' bit')}" if m else "?"

    servers = {}
    try:
        s3_port, ng_port = free_port(), free_port()
        while ng_port == s3_port:
            ng_port = free_port()
        servers["s3edge"] = start_s3edge(args.bin, workdir, s3_port, deadline)
        s3_answer = wait_https(s3_port, servers["s3edge"].proc, deadline)
        body = s3_answer["body"].decode("utf-8")
        servers["nginx"] = start_nginx(workdir, ng_port, body, deadline)
        rss_start = {name: {pid: status_kib(pid, "VmRSS") for pid in s.pids} for name, s in servers.items()}

        # ---- same answer from both?
        answers = {name: https_get(s.port) for name, s in servers.items()}
        a, b = answers["s3edge"], answers["nginx"]
        ctype = {n: next((v for k, v in x["headers"] if k.lower() == "content-type"), None) for n, x in answers.items()}
        same = a["status"] == b["status"] and a["body"] == b["body"] and ctype["s3edge"] == ctype["nginx"]
        h2_bodies = {}
        if shutil.which("curl"):
            for name, s in servers.items():
                c = subprocess.run(["curl", "-sk", "--http2", "-H", "Host: localhost", "-o", "-", "-w",
                                    "\n%{http_version} %{http_code}", f"https://127.0.0.1:{s.port}/"],
                                   capture_output=True, timeout=10)
                body_h2, _, tail_line = c.stdout.rpartition(b"\n")
                h2_bodies[name] = (tail_line.decode(), body_h2)
            same_h2 = (h2_bodies["s3edge"][1] == h2_bodies["nginx"][1] == a["body"]
                       and h2_bodies["s3edge"][0] == h2_bodies["nginx"][0])
        else:
            same_h2 = None
        probes = {}
        for name, s in servers.items():
            probes[name] = {}
            for label, version in (("TLSv1.3", ssl.TLSVersion.TLSv1_3), ("TLSv1.2", ssl.TLSVersion.TLSv1_2)):
                try:
                    probes[name][label] = tls_probe(s.port, version)
                except (OSError, ssl.SSLError) as error:
                    probes[name][label] = f"FAILED: {error}"
        for name, x in answers.items():
            log(f"{name}: {x['status_line']}, {x['head_bytes']} B head + {len(x['body'])} B body, "
                f"{x['tls_version']} {x['cipher']}; TLS1.2 probe: {probes[name]['TLSv1.2']}")
        log(f"identical status + Content-Type + body bytes over HTTP/1.1: {same}; over HTTP/2 (curl): {same_h2}")
        if not same:
            raise RuntimeError(f"the servers answer differently:\n s3edge {a}\n nginx {b}")

        # ---- measurements (order alternates per test: ABBA...)
        results = {}
        order = ["s3edge", "nginx"]
        d, hd = args.duration, args.hs_duration

        def h1_argv(port, seconds):
            return ["wrk", "-t1", f"-c{H1_CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s",
                    "-H", "Host: localhost", f"https://127.0.0.1:{port}/"]

        def h2_argv(port, seconds):
            return ["h2load", "-t1", f"-c{H2_CONNECTIONS}", f"-m{H2_STREAMS}", "-D", str(seconds),
                    "-H", ":authority: localhost", f"https://127.0.0.1:{port}/"]

        def hs_argv(port, seconds, flag):
            return ["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new", "-time", str(seconds), flag]

        tests = [
            ("h1", lambda p: h1_argv(p, d), parse_wrk, d + 20),
            ("h2", lambda p: h2_argv(p, d), parse_h2load, d + 20),
            ("hs13", lambda p: hs_argv(p, hd, "-tls1_3"), parse_s_time, hd + 20),
        ]
        if not args.no_tls12:
            tests.append(("hs12", lambda p: hs_argv(p, hd, "-tls1_2"), parse_s_time, hd + 20))

        if args.warmup > 0:
            for name in order:
                s = servers[name]
                log(f"warm-up {name}: {args.warmup}s wrk + {args.warmup}s h2load (not measured)")
                subprocess.run(h1_argv(s.port, args.warmup), capture_output=True, timeout=args.warmup + 20)
                subprocess.run(h2_argv(s.port, args.warmup), capture_output=True, timeout=args.warmup + 20)

        for index, (label, make_argv, parse, timeout) in enumerate(tests):
            results[label] = {}
            for name in (order if index % 2 == 0 else list(reversed(order))):
                s = servers[name]
                if s.proc.poll() is not None:
                    raise RuntimeError(f"{name} died (exit {s.proc.returncode}); log:\n{tail(s.log_path)}")
                time.sleep(1)
                log(f"{label} {name}: {' '.join(make_argv(s.port))}")
                r = run_measured(s, make_argv(s.port), parse, timeout, workdir, label)
                results[label][name] = r
                us = fmt(r["server_us_per"], 1)
                log(f"  -> {fmt(r.get('rps'))} /s, server {r['server_cpu']:.2f}s CPU ({us} us each), "
                    f"client {r['client_cpu']:.2f}s, other {r['other_cpu']:.2f}s, wall {r['wall']:.1f}s"
                    + ("" if r["ok"] else f"  FAILED (exit {r['exit']}): {r['stderr'][-300:]}"))

        threads_cpu = {name: thread_cpu(s.pids) for name, s in servers.items()}
        peak = {name: {pid: status_kib(pid, "VmHWM") for pid in s.pids} for name, s in servers.items()}
        threads = {name: status_kib(s.proc.pid, "Threads") for name, s in servers.items()}
        log_lines = {"s3edge": count_lines(servers["s3edge"].log_path),
                     "nginx": count_lines(servers["nginx"].log_path)}
        alive = {name: s.proc.poll() is None for name, s in servers.items()}
    finally:
        for s in servers.values():
            try:
                s.stop()
            except Exception as error:  # keep stopping the others
                log(f"stopping {s.name}: {error}")

    # ---- report
    try:
        bin_time = datetime.datetime.fromtimestamp(os.stat(args.bin_origin or args.bin).st_mtime).strftime("%Y-%m-%d %H:%M:%S")
    except OSError:
        bin_time = "?"
    versions = {
        "nginx": subprocess.run(["/usr/sbin/nginx", "-v"], capture_output=True, text=True).stderr.strip(),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0].split("Copyright")[0].strip(),
        "h2load": subprocess.run(["h2load", "--version"], capture_output=True, text=True).stdout.strip(),
        "openssl": subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip(),
    }

    loops = sum(1 for (_, _, n) in threads_cpu["s3edge"] if n.startswith("NIO-ELT"))
    lines = []
    add = lines.append
    add(f"# s3edge vs nginx: TLS edge on loopback ({started_at:%Y-%m-%d %H:%M:%S} UTC)")
    add("")
    add(f"Machine: {NCPU} CPUs shared by both servers, the load generator and anything else running; "
        f"load average before the run: {loadavg_before}. s3edge: 1 process, {threads['s3edge']} threads, "
        f"{loops} of them NIO event loops (`System.coreCount`). nginx: `worker_processes auto` = {len(peak['nginx']) - 1} workers + master. "
        f"Certificate: `s3edge make-cert` ({cert_desc}), the same files for both.")
    add("")
    add("| Test | Metric | s3edge | nginx | s3edge/nginx |")
    add("|---|---|---:|---:|---:|")

    def cells(label, getter, digits=0):
        r = results.get(label, {})
        va = getter(r["s3edge"]) if "s3edge" in r and r["s3edge"]["ok"] else None
        vb = getter(r["nginx"]) if "nginx" in r and r["nginx"]["ok"] else None
        return fmt(va, digits), fmt(vb, digits), ratio(va, vb)

    def cores(r):
        return r["server_cpu"] / r["wall"]

    h1_name = f"HTTP/1.1 keep-alive, TLS 1.3 (wrk -t1 -c{H1_CONNECTIONS} -d{d}s)"
    add(f"| {h1_name} | requests/s | " + " | ".join(cells("h1", lambda r: r.get("rps"))) + " |")
    add("| | latency p50 ms | " + " | ".join(cells("h1", lambda r: r.get("p50_ms"), 2)) + " |")
    add("| | latency p99 ms | " + " | ".join(cells("h1", lambda r: r.get("p99_ms"), 2)) + " |")
    add("| | server CPU µs/request | " + " | ".join(cells("h1", lambda r: r["server_us_per"], 1)) + " |")
    add("| | server CPU cores used | " + " | ".join(cells("h1", cores, 2)) + " |")
    h2_name = f"HTTP/2, TLS 1.3 (h2load -t1 -c{H2_CONNECTIONS} -m{H2_STREAMS} -D {d})"
    add(f"| {h2_name} | requests/s | " + " | ".join(cells("h2", lambda r: r.get("rps"))) + " |")
    add("| | server CPU µs/request | " + " | ".join(cells("h2", lambda r: r["server_us_per"], 1)) + " |")
    add("| | server CPU cores used | " + " | ".join(cells("h2", cores, 2)) + " |")
    for label, version in (("hs13", "TLS 1.3"), ("hs12", "TLS 1.2")):
        if label not in results:
            continue
        name = f"Full handshakes, {version}, no resumption (openssl s_time -new, 1 client, {hd}s)"
        add(f"| {name} | handshakes/s | " + " | ".join(cells(label, lambda r: r["requests"] / r["wall"])) + " |")
        add("| | server CPU µs/handshake | " + " | ".join(cells(label, lambda r: r["server_us_per"], 1)) + " |")
        add("| | server CPU cores used | " + " | ".join(cells(label, cores, 2)) + " |")
    rss_a = sum(peak["s3edge"].values()) / 1024
    rss_b = sum(peak["nginx"].values()) / 1024
    add(f"| Memory | peak RSS MiB (VmHWM; nginx: sum of {len(peak['nginx'])} processes) | "
        f"{rss_a:.1f} | {rss_b:.1f} | {ratio(rss_a, rss_b)} |")
    st_a = sum(rss_start["s3edge"].values()) / 1024
    st_b = sum(rss_start["nginx"].values()) / 1024
    add(f"| | RSS MiB after start (VmRSS) | {st_a:.1f} | {st_b:.1f} | {ratio(st_a, st_b)} |")
    add("")
    add("Ratios are s3edge/nginx: above 1 means s3edge is higher (better for requests/s, worse for "
        "latency, CPU and memory). **Server CPU µs per request** is the figure to compare on this box: "
        "the load generator competes with the server for the same 2 cores, so requests/s mostly shows "
        "how the cores were shared, not the server's capacity.")
    add("")
    add("## Responses")
    add("")
    add(f"Both answer `GET /` (Host: localhost) with status {a['status']} by design (s3edge has no origin "
        f"configured yet; nginx is configured with `return 503` and the same text). wrk counts these as "
        f"\"Non-2xx or 3xx responses\" and h2load as 5xx / not \"succeeded\": expected.")
    add("")
    add(f"- Same status, Content-Type and body bytes ({len(a['body'])} B) over HTTP/1.1: **{same}**; "
        f"over HTTP/2 (curl --http2): **{same_h2}**"
        + (f" ({h2_bodies['s3edge'][0]} / {h2_bodies['nginx'][0]})" if h2_bodies else ""))
    for name, x in answers.items():
        hdrs = ", ".join(f"{k}" for k, _ in x["headers"])
        add(f"- {name}: `{x['status_line']}`, head {x['head_bytes']} B ({hdrs}), body {len(x['body'])} B; "
            f"negotiated {x['tls_version']} {x['cipher']}; TLS 1.2 probe: {probes[name]['TLSv1.2']}")
    add(f"- body: `{body.rstrip()}`")
    add("")
    add("## Per-run details")
    add("")
    add("| Test | Server | count | wall s | server CPU s | load-gen CPU s | other CPU s | irq s | errors / notes |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for label, per in results.items():
        for name in ("s3edge", "nginx"):
            r = per.get(name)
            if not r:
                continue
            notes = []
            if label == "h1":
                notes.append(f"non-2xx/3xx {r.get('non2xx', 0):,} of {r.get('requests', 0):,}")
                errs = {k: v for k, v in r.get("socket_errors", {}).items() if v}
                notes.append(f"socket errors {errs}" if errs else "no socket errors")
                notes.append(f"read {r.get('read')}")
            elif label == "h2":
                q, st = r.get("req", {}), r.get("status", {})
                notes.append(f"done {q.get('done', 0):,}, failed {q.get('failed', 0):,}, errored "
                             f"{q.get('errored', 0)}, timeout {q.get('timeout', 0)}; 5xx {st.get('5xx', 0):,}, "
                             f"2xx {st.get('2xx', 0)}")
                if r.get("traffic"):
                    t = r["traffic"]
                    n = max(1, q.get("done", 1))
                    notes.append(f"{t['headers'] / n:.1f} B headers/response (HPACK saved {t['hpack_savings_pct']}%)")
                notes.append(r.get("tls_details") or "no TLS details line")
            else:
                notes.append(f"s_time client CPU (user) {r.get('client_user_seconds', 0):.2f}s")
            if not r["ok"]:
                notes.append(f"FAILED exit {r['exit']}: {r['stderr'][-200:]!r}")
            elif r["stderr"]:
                notes.append(f"stderr: {r['stderr'][-160:]!r}")
            add(f"| {label} | {name} | {r.get('requests', 0):,} | {r['wall']:.1f} | {r['server_cpu']:.2f} | "
                f"{r['client_cpu']:.2f} | {r['other_cpu']:.2f} | {r['irq_cpu']:.2f} | {'; '.join(notes)} |")
    add("")
    add("`other CPU` = whole-machine busy time (/proc/stat, excluding irq+softirq) minus server and load "
        "generator during the run: CPU taken by unrelated processes (noise). `irq s` = irq+softirq time "
        "(loopback packet processing not charged to a process, when the kernel accounts it separately).")
    add("")
    for name in ("s3edge", "nginx"):
        parts = sorted(threads_cpu[name].items(), key=lambda kv: -kv[1])
        text = ", ".join(f"{n} (pid {p}/tid {t}) {c:.2f}s" for (p, t, n), c in parts if c > 0 or len(parts) <= 6)
        add(f"- {name} CPU by thread over the whole benchmark ({len(parts)} threads): {text}")
    add("")
    add("## Method")
    add("")
    add(f"- Loopback only: both servers listen on 127.0.0.1 (random free ports); requests carry "
        f"`Host: localhost` (h2load `:authority: localhost`). The servers run side by side; only one is "
        f"loaded at a time, and the order alternates between tests.")
    add(f"- Before the measured runs each server gets {args.warmup}s of wrk and {args.warmup}s of h2load (not measured).")
    add("- Server CPU = Δ(utime+stime) from /proc/PID/stat over all the server's processes (nginx master + "
        "workers; s3edge is one process, all threads), divided by requests (wrk: requests completed; "
        "h2load: requests done) or connections (s_time). Clock-tick resolution 10 ms.")
    add("- Handshakes: `openssl s_time -new` makes one connection at a time (full handshake, no session "
        "reuse, no HTTP request), so the rate is bound by the single client's latency and CPU; "
        "rate = connections / wall time of the s_time process.")
    add("- TLS: both servers use the TLSv1.2_2021 TLS 1.2 cipher list, TLS 1.3 suites "
        "AES128-GCM first, groups X25519:P-256:P-384, server cipher preference; nginx with "
        "`ssl_session_cache shared:SSL:10m`, `ssl_session_tickets on`, `keepalive_requests 100000`, "
        "`access_log off`, `worker_processes auto` (nginx's recommended setting).")
    add(f"- s3edge log lines written during the run (level warning): {log_lines['s3edge']}; "
        f"nginx error.log lines: {log_lines['nginx']}. Both servers alive at the end: {alive}.")
    add(f"- Tools: {versions['wrk']}; {versions['h2load']}; {versions['openssl']}; {versions['nginx']}; "
        f"s3edge {args.bin_origin or args.bin} (built {bin_time}, run from a private copy).")
    add(f"- Raw tool output and configs: {workdir} (deleted at exit unless --keep).")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(report)
        log(f"report written to {args.out}")
    with open(os.path.join(workdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    failed = [f"{label}/{name}" for label, per in results.items() for name, r in per.items() if not r["ok"]]
    if failed:
        log(f"some runs failed: {', '.join(failed)}")
        return 1
    return 0


class TimeLimit(Exception):
    pass


def on_alarm(signum, frame):
    raise TimeLimit()


def on_term(signum, frame):
    raise KeyboardInterrupt()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(MAX_SECONDS)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    except TimeLimit:
        log(f"error: the benchmark did not finish within {MAX_SECONDS}s; stopped")
        sys.exit(1)
    except RuntimeError as error:
        log(f"error: {error}")
        sys.exit(1)
