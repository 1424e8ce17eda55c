"""Shared fixtures for the end-to-end tests of the `s3edge` binary.

Every test drives the real daemon (`s3edge serve`) with real clients (curl,
openssl s_client, nghttp, testssl, Python's ssl/h2) over loopback only.

Environment:
  S3EDGE_BIN  the binary under test; default <repo>/.build/release/s3edge.

Readiness is observed the way systemd observes it: each server gets its own
NOTIFY_SOCKET (a unix datagram socket in a private temp dir) and the fixture
waits for `READY=1` on it, never for a port to open.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest

ROOT = Path(__file__).resolve().parents[2]
S3EDGE_BIN = Path(os.environ.get("S3EDGE_BIN", ROOT / ".build" / "release" / "s3edge"))

# Names served by the default distribution of the test configuration.
HOST = "cdn.example.test"
OTHER_HOST = "localhost"
DIST_ID = "E2EXAMPLE"
# A name no distribution serves (for 421s) and one only the RSA certificate covers.
UNKNOWN_HOST = "unknown.example.test"
RSA_HOST = "rsa.example.test"

HSTS_VALUE = "max-age=31536000; includeSubDomains"
NO_ORIGIN_BODY = f"s3edge: distribution {DIST_ID} has no origin configured yet"

START_TIMEOUT = 15.0  # seconds from spawn to READY=1
CLIENT_TIMEOUT = 15.0  # any single client subprocess or socket operation


# --------------------------------------------------------------------------
# ports


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the kernel just handed out on `host` (bound to 0, then closed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# binary and certificates


@pytest.fixture(scope="session")
def s3edge_bin() -> Path:
    if not (S3EDGE_BIN.is_file() and os.access(S3EDGE_BIN, os.X_OK)):
        pytest.fail(
            f"s3edge binary not found at {S3EDGE_BIN}: build it with `swift build -c release` "
            "or point S3EDGE_BIN at one",
            pytrace=False,
        )
    return S3EDGE_BIN


def run(args: list[str | os.PathLike], *, timeout: float = CLIENT_TIMEOUT, input: bytes | str | None = None,
        env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Runs a command to completion, capturing text output; never hangs longer than `timeout`."""
    text_input = input if isinstance(input, str) or input is None else input.decode()
    return subprocess.run(
        [str(a) for a in args],
        input=text_input if input is not None else None,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env=env,
        cwd=cwd,
    )


def make_cert(binary: Path, directory: Path, stem: str, names: list[str], *, key_type: str = "ecdsa",
              days: int = 30) -> tuple[Path, Path]:
    cert, key = directory / f"{stem}.pem", directory / f"{stem}.key"
    result = run([binary, "make-cert", "--cert", cert, "--key", key, "--type", key_type, "--days", str(days), *names])
    assert result.returncode == 0, f"make-cert failed: {result.stderr}"
    return cert, key


@dataclass
class CertPair:
    cert: Path
    key: Path

    def der(self) -> bytes:
        return ssl.PEM_cert_to_DER_cert(self.cert.read_text())


@dataclass
class Certs:
    """Certificates made once per session with `s3edge make-cert`."""

    directory: Path
    ecdsa: CertPair  # HOST, OTHER_HOST, 127.0.0.1, ::1
    rsa: CertPair  # RSA_HOST
    ecdsa2: CertPair  # same names as `ecdsa`, another key: for rotation
    ca_bundle: Path  # all of the above, for curl --cacert


@pytest.fixture(scope="session")
def certs(s3edge_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Certs:
    d = tmp_path_factory.mktemp("certs")
    ecdsa = CertPair(*make_cert(s3edge_bin, d, "ecdsa", [HOST, OTHER_HOST, "127.0.0.1", "::1"]))
    rsa = CertPair(*make_cert(s3edge_bin, d, "rsa", [RSA_HOST], key_type="rsa"))
    ecdsa2 = CertPair(*make_cert(s3edge_bin, d, "ecdsa2", [HOST, OTHER_HOST, "127.0.0.1", "::1"]))
    bundle = d / "bundle.pem"
    bundle.write_text("".join(p.cert.read_text() for p in (ecdsa, rsa, ecdsa2)))
    return Certs(d, ecdsa, rsa, ecdsa2, bundle)


# --------------------------------------------------------------------------
# configuration


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a YAML double-quoted scalar


def to_yaml(value: Any, indent: int = 0) -> str:
    """A small block-style YAML emitter for dicts, lists and scalars (enough for configs)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 1))
            elif isinstance(v, (dict, list)):
                lines.append(f"{pad}{k}: {'{}' if isinstance(v, dict) else '[]'}")
            else:
                lines.append(f"{pad}{k}: {_yaml_scalar(v)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                inner = to_yaml(item, indent + 1).splitlines()
                first = inner[0].lstrip()
                lines.append(f"{pad}- {first}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    else:
        lines.append(pad + _yaml_scalar(value))
    return "\n".join(lines)


def base_config(https_port: int, certs: Certs, *, http_port: int | None = None,
                certificates: list[CertPair] | None = None) -> dict:
    """The test configuration as a dict; tests modify it before writing it."""
    pairs = certificates if certificates is not None else [certs.ecdsa, certs.rsa]
    config: dict[str, Any] = {
        # Every server its own admin port (the default, 127.0.0.1:9180, is one per machine).
        "listen": {"https": f"127.0.0.1:{https_port}", "admin": f"127.0.0.1:{free_port()}"},
        "tls": {
            "min_version": "TLSv1.2",
            "security_policy": "TLSv1.2_2021",
            "handshake_timeout": "10s",
            "certificates": [{"cert": str(p.cert), "key": str(p.key)} for p in pairs],
        },
        "viewer": {
            "protocol_policy": "redirect-to-https",
            "hsts": {"max_age": 31536000, "include_subdomains": True, "preload": False},
        },
        "limits": {},
        "log": {"level": "info"},
        # Relative to the config file: every server the factory writes has its own directory, so
        # its own cache (a test that restarts a server on the same config path keeps its cache).
        "cache": {"path": "cache", "max_size": "4GiB"},  # sparse: disk holds only what is cached
        "distributions": [{"id": DIST_ID, "hostnames": [OTHER_HOST, HOST]}],
    }
    if http_port is not None:
        config["listen"]["http"] = f"127.0.0.1:{http_port}"
    else:
        # Nothing to redirect without a plain listener (redirect-to-https would log a warning).
        config["viewer"]["protocol_policy"] = "https-only"
    return config


def write_config(path: Path, config: dict | str) -> Path:
    path.write_text(config if isinstance(config, str) else to_yaml(config) + "\n")
    return path


# --------------------------------------------------------------------------
# the server


class NotifyListener:
    """The systemd side of sd_notify: a datagram socket collecting the daemon's messages."""

    def __init__(self) -> None:
        # A short private path: sun_path holds at most 107 bytes, pytest's tmp dirs can be longer.
        self.dir = tempfile.mkdtemp(prefix="s3e-notify-", dir="/tmp")
        self.path = os.path.join(self.dir, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages: list[dict[str, str]] = []
        self.raw: list[str] = []
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            text = data.decode("utf-8", "replace")
            fields = dict(line.split("=", 1) for line in text.split("\n") if "=" in line)
            with self._cond:
                self.raw.append(text)
                self.messages.append(fields)
                self._cond.notify_all()

    def wait_for(self, predicate: Callable[[dict[str, str]], bool], *, start: int = 0,
                 timeout: float = START_TIMEOUT, alive: Callable[[], bool] = lambda: True) -> int | None:
        """Index of the first message at or after `start` matching `predicate`, or None on timeout
        (or as soon as `alive()` turns false with no match)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(start, len(self.messages)):
                    if predicate(self.messages[i]):
                        return i
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not alive():
                    return None
                self._cond.wait(min(remaining, 0.1))

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        self._thread.join(timeout=2)
        shutil.rmtree(self.dir, ignore_errors=True)


_libc = ctypes.CDLL(None, use_errno=True)  # resolved before any fork
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it if pytest dies, so no daemon outlives a run."""
    _libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


class ServerStartError(Exception):
    pass


@dataclass
class Server:
    """One `s3edge serve` process."""

    binary: Path
    config_path: Path
    https_port: int
    http_port: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    notify: NotifyListener | None = None
    log_path: Path | None = None

    def start(self, *, expect_ready: bool = True) -> "Server":
        self.notify = NotifyListener()
        self.log_path = self.config_path.parent / f"s3edge-{self.https_port}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM")}
        env.update(self.env)
        env.setdefault("NOTIFY_SOCKET", self.notify.path)
        self._log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(self.binary), "serve", "--config", str(self.config_path)],
            stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT, env=env,
            preexec_fn=_die_with_parent,
        )
        if expect_ready:
            index = self.notify.wait_for(lambda m: m.get("READY") == "1", alive=self.alive)
            if index is None:
                code = self.proc.poll()
                self.kill()
                raise ServerStartError(
                    f"s3edge did not send READY=1 within {START_TIMEOUT}s "
                    f"(exit code {code}); log:\n{self.log()}"
                )
        return self

    # ---- state

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, pattern: str, timeout: float = 5.0) -> re.Match | None:
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log())
            if m or time.monotonic() > deadline:
                return m
            time.sleep(0.05)

    @property
    def messages(self) -> list[dict[str, str]]:
        assert self.notify is not None
        return list(self.notify.messages)

    # ---- signals

    def reload(self, timeout: float = 10.0) -> tuple[dict[str, str], dict[str, str]]:
        """SIGHUP, then wait for RELOADING=1 followed by READY=1; returns both messages."""
        assert self.proc is not None and self.notify is not None
        start = len(self.notify.messages)
        self.proc.send_signal(signal.SIGHUP)
        reloading = self.notify.wait_for(lambda m: m.get("RELOADING") == "1", start=start, timeout=timeout,
                                         alive=self.alive)
        if reloading is None:
            code = self.proc.poll()
            died = "" if code is None else f" (the daemon exited: {'killed by signal ' + signal.Signals(-code).name if code < 0 else 'exit code ' + str(code)})"
            raise AssertionError(f"no RELOADING=1 after SIGHUP{died}; messages {self.notify.raw}; log:\n{self.log()}")
        ready = self.notify.wait_for(lambda m: m.get("READY") == "1", start=reloading + 1, timeout=timeout,
                                     alive=self.alive)
        assert ready is not None, f"no READY=1 after RELOADING=1; messages {self.notify.raw}; log:\n{self.log()}"
        return self.notify.messages[reloading], self.notify.messages[ready]

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 10.0) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and wait for the exit; returns the exit code, or None if it did not exit in time."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.terminate()
        return self.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if getattr(self, "_log_file", None) is not None:
            self._log_file.close()
            self._log_file = None
        if self.notify is not None:
            self.notify.close()
            self.notify = None


class ServerFactory:
    """Writes a config and starts servers; kills every one it started at teardown."""

    def __init__(self, binary: Path, certs: Certs, directory: Path) -> None:
        self.binary = binary
        self.certs = certs
        self.directory = directory
        self.servers: list[Server] = []
        self._count = 0

    def config(self, *, http: bool = False, certificates: list[CertPair] | None = None) -> dict:
        """A fresh base config with newly picked free ports."""
        return base_config(free_port(), self.certs, http_port=free_port() if http else None,
                           certificates=certificates)

    def write(self, config: dict | str, name: str | None = None) -> Path:
        self._count += 1
        d = self.directory / (name or f"server{self._count}")
        d.mkdir(parents=True, exist_ok=True)
        return write_config(d / "s3edge.yaml", config)

    def start(self, config: dict | None = None, *, config_path: Path | None = None, env: dict[str, str] | None = None,
              expect_ready: bool = True, **config_kwargs: Any) -> Server:
        if config is None:
            config = self.config(**config_kwargs)
        if config_path is None:
            config_path = self.write(config)
        else:
            write_config(config_path, config)
        https = config["listen"]["https"]
        https = https[0] if isinstance(https, list) else https
        http = config["listen"].get("http")
        http = http[0] if isinstance(http, list) else http
        server = Server(self.binary, config_path, https_port=int(https.rsplit(":", 1)[1]),
                        http_port=int(http.rsplit(":", 1)[1]) if http else None, env=env or {})
        self.servers.append(server)
        server.start(expect_ready=expect_ready)
        return server

    def cleanup(self) -> None:
        for server in self.servers:
            server.kill()


@pytest.fixture
def servers(s3edge_bin: Path, certs: Certs, tmp_path: Path):
    """Per-test servers: `servers.start(config)`; every one is killed after the test."""
    factory = ServerFactory(s3edge_bin, certs, tmp_path)
    try:
        yield factory
    finally:
        factory.cleanup()


@pytest.fixture(scope="module")
def shared_servers(s3edge_bin: Path, certs: Certs, tmp_path_factory: pytest.TempPathFactory):
    """Servers shared by a module's read-only tests."""
    factory = ServerFactory(s3edge_bin, certs, tmp_path_factory.mktemp("shared"))
    try:
        yield factory
    finally:
        factory.cleanup()


@pytest.fixture(scope="module")
def server(shared_servers: ServerFactory) -> Server:
    """A default server (ECDSA then RSA certificate, HSTS, redirect-to-https on a plain listener)."""
    return shared_servers.start(http=True)


# --------------------------------------------------------------------------
# clients


def curl(args: Iterable[str | os.PathLike], *, timeout: float = CLIENT_TIMEOUT) -> subprocess.CompletedProcess:
    """curl with no config file, silent but showing errors."""
    return run(["curl", "-q", "--silent", "--show-error", "--max-time", str(int(timeout - 2)), *args],
               timeout=timeout)


@dataclass
class CurlResponse:
    status: int
    version: str
    headers: dict[str, list[str]]  # lower-case names
    body: str
    stderr: str
    returncode: int

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


def curl_request(url: str, *, server: Server | None = None, certs: Certs | None = None, host: str = HOST,
                 extra: Iterable[str] = (), http2: bool = False, method: str | None = None,
                 timeout: float = CLIENT_TIMEOUT) -> CurlResponse:
    """One request with curl; `url` may contain {https} and {http} for the server's ports and
    {host}. Resolves `host` to 127.0.0.1 on both ports and trusts the test certificates."""
    args: list[str | os.PathLike] = []
    if server is not None:
        url = url.format(https=server.https_port, http=server.http_port, host=host)
        args += ["--resolve", f"{host}:{server.https_port}:127.0.0.1"]
        if server.http_port:
            args += ["--resolve", f"{host}:{server.http_port}:127.0.0.1"]
    if certs is not None:
        args += ["--cacert", certs.ca_bundle]
    args += ["--http2"] if http2 else ["--http1.1"]
    if method == "HEAD":
        args += ["--head"]
    elif method:
        args += ["--request", method]
    if method != "HEAD":  # --head already prints the head
        args += ["--dump-header", "-"]
    args += [*extra, url]
    result = curl(args, timeout=timeout)
    return parse_curl(result)


def parse_curl(result: subprocess.CompletedProcess) -> CurlResponse:
    out = result.stdout
    # With --dump-header - the head(s) come first; take the last head (after any 1xx).
    status, version, headers, body = 0, "", {}, out
    while True:
        m = re.match(r"(HTTP/[\d.]+) (\d{3})[^\r\n]*\r?\n", body)
        if not m:
            break
        version, status = m.group(1), int(m.group(2))
        head_end = body.find("\r\n\r\n")
        sep = 4
        if head_end < 0:
            head_end, sep = body.find("\n\n"), 2
        if head_end < 0:
            head_end, sep = len(body), 0
        head, body = body[m.end():head_end], body[head_end + sep:]
        headers = {}
        for line in head.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                headers.setdefault(k.strip().lower(), []).append(v.strip())
    return CurlResponse(status, version, headers, body, result.stderr, result.returncode)


def s_client(port: int, *args: str, input: str = "", timeout: float = CLIENT_TIMEOUT,
             host: str = "127.0.0.1") -> subprocess.CompletedProcess:
    """openssl s_client against the server; stdout and stderr merged in .stdout."""
    cmd = ["openssl", "s_client", "-connect", f"{host}:{port}", *args]
    result = subprocess.run(cmd, input=input, capture_output=True, text=True, errors="replace", timeout=timeout)
    result.stdout = result.stdout + "\n" + result.stderr
    return result


def client_context(certs: Certs | None = None, *, alpn: list[str] | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if certs is not None:
        ctx.load_verify_locations(certs.ca_bundle)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def tls_connect(port: int, *, server_name: str | None = HOST, certs: Certs | None = None,
                alpn: list[str] | None = None, timeout: float = CLIENT_TIMEOUT,
                host: str = "127.0.0.1") -> ssl.SSLSocket:
    """A TLS connection (handshake done) with a socket timeout on every operation. Close
    reports arrive as EOF (b'') when the peer sent close_notify, else as an exception."""
    ctx = client_context(certs, alpn=alpn)
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        return ctx.wrap_socket(raw, server_hostname=server_name, suppress_ragged_eofs=False)
    except BaseException:
        raw.close()
        raise


class EOFSeen(Exception):
    pass


def read_response(sock: socket.socket, *, timeout: float = CLIENT_TIMEOUT,
                  head: bool = False) -> tuple[int, dict[str, str], bytes]:
    """Reads one HTTP/1.1 response (Content-Length framed, or until EOF; no body when `head`,
    the answer to a HEAD request); returns (status, headers with lower-case names, body).
    Raises EOFSeen if the connection ends before a head. Bytes past the response are kept
    for the next call on the same socket."""
    sock.settimeout(timeout)
    buf = _leftover.pop(sock, b"")
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFSeen(f"connection closed before a response head (got {buf!r})")
        buf += chunk
    head_bytes, rest = buf.split(b"\r\n\r\n", 1)
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    if head:
        body, rest = b"", rest
    elif "content-length" in headers:
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        body, rest = rest[:length], rest[length:]
    else:
        body = rest
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        rest = b""
    if rest:
        _leftover[sock] = rest
    return status, headers, body


# Pipelined bytes read past a response, by socket.
_leftover: "weakref.WeakKeyDictionary[socket.socket, bytes]" = weakref.WeakKeyDictionary()


def wait_closed(sock: socket.socket, timeout: float) -> tuple[str, float]:
    """Reads until the peer closes; returns (how, seconds waited): how is 'eof' (clean close,
    close_notify for TLS), 'ragged' (TCP FIN without close_notify), 'reset', or 'open'
    (still open at the timeout). Data received meanwhile is ignored."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "open", time.monotonic() - start
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return "open", time.monotonic() - start
        except ssl.SSLEOFError:
            return "ragged", time.monotonic() - start
        except (ConnectionResetError, BrokenPipeError):
            return "reset", time.monotonic() - start
        except ssl.SSLError as e:
            return f"ssl-error:{e.reason}", time.monotonic() - start
        if not data:
            return "eof", time.monotonic() - start


def http_get(host: str = HOST, path: str = "/", *, method: str = "GET", extra: str = "",
             close: bool = False) -> bytes:
    conn = "Connection: close\r\n" if close else ""
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{conn}{extra}\r\n".encode()


class RawH2:
    """A minimal HTTP/2 client at frame level (hyperframe + hpack, both installed with h2) for
    observing exactly what the server sends, including a graceful GOAWAY sequence that the h2
    library's state machine refuses to process. It ACKs SETTINGS and PINGs like a real client."""

    PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

    def __init__(self, sock: ssl.SSLSocket) -> None:
        import hpack

        self.sock = sock
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.buf = b""
        self.frames: list[Any] = []  # every frame received
        self.eof: str | None = None  # how the connection ended, once it did
        self.next_stream = 1
        self.sock.sendall(self.PREFACE + self._settings().serialize())

    @staticmethod
    def _settings(ack: bool = False):
        from hyperframe.frame import SettingsFrame

        return SettingsFrame(0, flags=["ACK"]) if ack else SettingsFrame(0, settings={})

    def send_headers(self, headers: list[tuple[str, str]], *, end_stream: bool, stream_id: int | None = None) -> int:
        from hyperframe.frame import HeadersFrame

        if stream_id is None:
            stream_id = self.next_stream
            self.next_stream += 2
        flags = ["END_HEADERS"] + (["END_STREAM"] if end_stream else [])
        frame = HeadersFrame(stream_id, data=self.encoder.encode(headers), flags=flags)
        self.sock.sendall(frame.serialize())
        return stream_id

    def send_data(self, stream_id: int, data: bytes, *, end_stream: bool) -> None:
        from hyperframe.frame import DataFrame

        frame = DataFrame(stream_id, data=data, flags=["END_STREAM"] if end_stream else [])
        self.sock.sendall(frame.serialize())

    def request_headers(self, *, method: str = "GET", authority: str = HOST, path: str = "/",
                        extra: list[tuple[str, str]] = ()) -> list[tuple[str, str]]:
        return [(":method", method), (":scheme", "https"), (":authority", authority), (":path", path), *extra]

    def decode_headers(self, frame) -> list[tuple[str, str]]:
        return [(k.decode() if isinstance(k, bytes) else k, v.decode() if isinstance(v, bytes) else v)
                for k, v in self.decoder.decode(frame.data)]

    def read(self, timeout: float) -> list[Any]:
        """Frames received within `timeout` seconds (returns early at EOF)."""
        from hyperframe.frame import Frame, PingFrame, SettingsFrame

        got: list[Any] = []
        deadline = time.monotonic() + timeout
        while self.eof is None:
            while len(self.buf) >= 9:
                length = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + length:
                    break
                frame, _ = Frame.parse_frame_header(memoryview(self.buf[:9]))
                frame.parse_body(memoryview(self.buf[9:9 + length]))
                self.buf = self.buf[9 + length:]
                got.append(frame)
                self.frames.append(frame)
                if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
                    self._send_quietly(self._settings(ack=True).serialize())
                if isinstance(frame, PingFrame) and "ACK" not in frame.flags:
                    self._send_quietly(PingFrame(0, opaque_data=frame.opaque_data, flags=["ACK"]).serialize())
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                break
            except ssl.SSLEOFError:
                self.eof = "ragged"
                break
            except (ConnectionResetError, BrokenPipeError):
                self.eof = "reset"
                break
            if not data:
                self.eof = "eof"
                break
            self.buf += data
        return got

    def read_until(self, predicate: Callable[[Any], bool], timeout: float) -> Any | None:
        """The first frame received (from now) matching `predicate`, or None."""
        deadline = time.monotonic() + timeout
        while self.eof is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            for frame in self.read(min(remaining, 0.2)):
                if predicate(frame):
                    return frame
        return None

    def _send_quietly(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            pass


# --------------------------------------------------------------------------
# origins: S3 stand-ins (tests/e2e/moto_origin.py, tests/e2e/fake_origin.py)

ORIGIN_BUCKET = "assets-123"
ORIGIN_REGION = "eu-west-2"


def with_origin(config: dict, endpoint: str, *, bucket: str = ORIGIN_BUCKET, region: str = ORIGIN_REGION,
                distribution: int = 0, **origin_keys: Any) -> dict:
    """`config` with an S3 origin on distribution `distribution` (path addressing, the default
    for a non-AWS endpoint); extra keyword arguments are further origin keys
    (key_prefix="public/", first_byte_timeout="1s", ...)."""
    config["distributions"][distribution]["origin"] = {
        "bucket": bucket, "region": region, "endpoint": endpoint, **origin_keys,
    }
    return config


# CloudFront's managed "CachingDisabled" policy: every request goes to the origin as the viewer sent
# it (range and conditional headers included). For tests of the uncached relay path.
CACHING_DISABLED = {"min_ttl": 0, "default_ttl": 0, "max_ttl": 0}


def without_caching(config: dict, distribution: int = 0) -> dict:
    """`config` with caching off for distribution `distribution` (CACHING_DISABLED)."""
    config["distributions"][distribution]["cache_policy"] = dict(CACHING_DISABLED)
    return config


def origin_env(access_key_id: str, secret_access_key: str, session_token: str | None = None) -> dict[str, str]:
    """Environment giving s3edge's default credentials chain static keys (its first source), so it
    never looks further (no instance metadata)."""
    env = {"AWS_ACCESS_KEY_ID": access_key_id, "AWS_SECRET_ACCESS_KEY": secret_access_key}
    if session_token is not None:
        env["AWS_SESSION_TOKEN"] = session_token
    return env


@pytest.fixture
def fake_origin():
    """A recording, scriptable HTTP/1.1 origin on a free loopback port (tests/e2e/fake_origin.py)."""
    from fake_origin import FakeOrigin

    origin = FakeOrigin()
    try:
        yield origin
    finally:
        origin.close()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory):
    """moto_server (PyPI moto[server] from the test venv) on a free loopback port, for the session.
    Seeding and IAM enforcement are up to the module using it (tests/e2e/moto_origin.py)."""
    from moto_origin import MotoServer

    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    server = MotoServer(free_port(), log)
    try:
        server.start()
    except RuntimeError as e:
        pytest.fail(f"{e} (is moto[server] installed in the venv? scripts/install-deps)", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
