"""TLS as clients see it, with `openssl s_client` (OpenSSL 3.0) and Python's ssl: protocol
floor, cipher policies, SNI certificate choice, ALPN, resumption, no early data, no client
renegotiation, handshake timeout, close_notify."""

from __future__ import annotations

import re
import socket
import ssl
import time
from pathlib import Path

import pytest

from conftest import (
    HOST,
    NO_ORIGIN_BODY,
    OTHER_HOST,
    RSA_HOST,
    UNKNOWN_HOST,
    Certs,
    Server,
    ServerFactory,
    curl_request,
    http_get,
    read_response,
    s_client,
    tls_connect,
    wait_closed,
)

REQUEST = f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
# Let the client offer anything, so that a refusal comes from the server, not from the
# client's own security level.
ANY = "DEFAULT:@SECLEVEL=0"


def handshake(port: int, *args: str, server_name: str | None = HOST, request: bool = True) -> tuple[bool, str]:
    """(handshake completed, s_client output). Sends a GET with Connection: close and waits for
    the server to close (-ign_eof), so that s_client prints the whole session (with stdin at
    EOF at once it may quit before a TLS 1.3 handshake is reported) and reads session tickets."""
    sni = ["-servername", server_name] if server_name else ["-noservername"]
    extra = ["-ign_eof"] if request else []
    result = s_client(port, *sni, *extra, *args, input=REQUEST if request else "")
    out = result.stdout
    done = bool(re.search(r"^(New|Reused), TLSv1\.[23], Cipher is (?!\(NONE\))", out, re.M))
    return done and result.returncode == 0, out


def field(out: str, name: str) -> str | None:
    m = re.search(rf"^\s*{re.escape(name)}\s*:\s*(.*)$", out, re.M)
    return m.group(1).strip() if m else None


def subject_cn(out: str) -> str | None:
    m = re.search(r"^subject=.*CN\s*=\s*([^,\n]+)", out, re.M)
    return m.group(1).strip() if m else None


# --------------------------------------------------------------------------
# protocol versions


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_old_protocols_are_refused_with_protocol_version_alert(server: Server, flag: str):
    ok, out = handshake(server.https_port, flag, "-cipher", ANY)
    assert not ok, out
    assert "alert protocol version" in out, out


def test_tls12_is_accepted_with_ecdhe_aead_and_x25519(server: Server):
    ok, out = handshake(server.https_port, "-tls1_2", request=True)
    assert ok, out
    assert field(out, "Protocol") == "TLSv1.2"
    assert re.fullmatch(r"ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)", field(out, "Cipher")), out
    assert "Server Temp Key: X25519" in out
    assert field(out, "Extended master secret") == "yes"
    assert "Compression: NONE" in out
    assert "HTTP/1.1 503" in out


def test_tls13_is_accepted(server: Server):
    ok, out = handshake(server.https_port, "-tls1_3", request=True)
    assert ok, out
    assert field(out, "Protocol") == "TLSv1.3"
    assert "HTTP/1.1 503" in out


def test_min_version_tls13_refuses_tls12(servers: ServerFactory):
    config = servers.config()
    config["tls"]["min_version"] = "TLSv1.3"
    server = servers.start(config)
    ok, out = handshake(server.https_port, "-tls1_2")
    assert not ok and "alert protocol version" in out, out
    ok, out = handshake(server.https_port, "-tls1_3")
    assert ok, out


def test_policy_tls13_2025_refuses_tls12(servers: ServerFactory):
    config = servers.config()
    config["tls"]["security_policy"] = "TLSv1.3_2025"
    config["tls"]["min_version"] = "TLSv1.3"
    server = servers.start(config)
    ok, out = handshake(server.https_port, "-tls1_2")
    assert not ok and "alert protocol version" in out, out
    assert handshake(server.https_port, "-tls1_3")[0]


# --------------------------------------------------------------------------
# cipher policies (TLS 1.2)

POLICY_2021_OK = [
    (HOST, "ECDHE-ECDSA-AES128-GCM-SHA256"),
    (HOST, "ECDHE-ECDSA-AES256-GCM-SHA384"),
    (HOST, "ECDHE-ECDSA-CHACHA20-POLY1305"),
    (RSA_HOST, "ECDHE-RSA-AES128-GCM-SHA256"),
    (RSA_HOST, "ECDHE-RSA-AES256-GCM-SHA384"),
    (RSA_HOST, "ECDHE-RSA-CHACHA20-POLY1305"),
]
POLICY_2021_REFUSED = [
    (RSA_HOST, "AES128-GCM-SHA256"),  # RSA key exchange: no forward secrecy
    (RSA_HOST, "AES256-GCM-SHA384"),
    (RSA_HOST, "DHE-RSA-AES128-GCM-SHA256"),  # finite-field DHE
    (RSA_HOST, "ECDHE-RSA-AES128-SHA256"),  # CBC
    (RSA_HOST, "ECDHE-RSA-AES256-SHA"),  # CBC, SHA-1
    (HOST, "ECDHE-ECDSA-AES128-SHA256"),
    (HOST, "ECDHE-ECDSA-AES256-SHA384"),
    (RSA_HOST, "AES128-SHA"),
]


@pytest.mark.parametrize("name, cipher", POLICY_2021_OK)
def test_policy_2021_accepts_ecdhe_aead(server: Server, name: str, cipher: str):
    ok, out = handshake(server.https_port, "-tls1_2", "-cipher", cipher, server_name=name)
    assert ok, out
    assert field(out, "Cipher") == cipher


@pytest.mark.parametrize("name, cipher", POLICY_2021_REFUSED)
def test_policy_2021_refuses_cbc_and_non_forward_secret(server: Server, name: str, cipher: str):
    ok, out = handshake(server.https_port, "-tls1_2", "-cipher", f"{cipher}:@SECLEVEL=0", server_name=name)
    assert not ok, f"{cipher} was negotiated:\n{out}"
    assert "alert handshake failure" in out, out


def test_policy_2019_adds_ecdhe_cbc_sha2_only(servers: ServerFactory):
    config = servers.config()
    config["tls"]["security_policy"] = "TLSv1.2_2019"
    server = servers.start(config)
    for name, cipher in [(RSA_HOST, "ECDHE-RSA-AES128-SHA256"), (HOST, "ECDHE-ECDSA-AES256-SHA384"),
                         (RSA_HOST, "ECDHE-RSA-AES128-GCM-SHA256")]:
        ok, out = handshake(server.https_port, "-tls1_2", "-cipher", cipher, server_name=name)
        assert ok and field(out, "Cipher") == cipher, out
    for name, cipher in [(RSA_HOST, "AES128-GCM-SHA256"), (RSA_HOST, "ECDHE-RSA-AES128-SHA"),
                         (RSA_HOST, "AES128-SHA256")]:
        ok, out = handshake(server.https_port, "-tls1_2", "-cipher", f"{cipher}:@SECLEVEL=0", server_name=name)
        assert not ok, f"{cipher} was negotiated under TLSv1.2_2019:\n{out}"


@pytest.mark.parametrize("suite", ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                   "TLS_CHACHA20_POLY1305_SHA256"])
def test_tls13_default_suites(server: Server, suite: str):
    ok, out = handshake(server.https_port, "-tls1_3", "-ciphersuites", suite)
    assert ok, out
    assert field(out, "Cipher") == suite


def test_tls13_ccm_suite_is_not_offered(server: Server):
    ok, out = handshake(server.https_port, "-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256")
    assert not ok, out


def test_cipher_overrides(servers: ServerFactory):
    config = servers.config()
    config["tls"]["ciphers"] = "ECDHE-RSA-AES256-GCM-SHA384"
    config["tls"]["ciphersuites"] = "TLS_CHACHA20_POLY1305_SHA256"
    server = servers.start(config)
    ok, out = handshake(server.https_port, "-tls1_2", server_name=RSA_HOST)
    assert ok and field(out, "Cipher") == "ECDHE-RSA-AES256-GCM-SHA384", out
    assert not handshake(server.https_port, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256",
                         server_name=RSA_HOST)[0]
    ok, out = handshake(server.https_port, "-tls1_3")
    assert ok and field(out, "Cipher") == "TLS_CHACHA20_POLY1305_SHA256", out


# --------------------------------------------------------------------------
# SNI


@pytest.mark.parametrize("name, expected", [
    (HOST, HOST),
    (OTHER_HOST, HOST),  # a SAN of the ECDSA certificate
    (RSA_HOST, RSA_HOST),
    ("RSA.Example.TEST", RSA_HOST),  # DNS names are case-insensitive
    (UNKNOWN_HOST, HOST),  # no match: the first (default) certificate
    (None, HOST),  # no SNI at all: the default certificate
])
@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_sni_selects_the_certificate(server: Server, name: str | None, expected: str, version: str):
    ok, out = handshake(server.https_port, version, server_name=name)
    assert ok, out
    assert subject_cn(out) == expected, out
    key_type = "RSA" if expected == RSA_HOST else "EC"
    assert re.search(rf"Server public key is \d+ bit", out), out
    if key_type == "RSA":
        assert "Server public key is 2048 bit" in out
    else:
        assert "Server public key is 256 bit" in out


def test_sni_certificate_is_the_configured_file(server: Server, certs: Certs):
    for name, pair in ((HOST, certs.ecdsa), (RSA_HOST, certs.rsa), (UNKNOWN_HOST, certs.ecdsa)):
        with tls_connect(server.https_port, server_name=name) as sock:
            assert sock.getpeercert(binary_form=True) == pair.der(), name


def test_curl_verifies_both_certificates_by_name(server: Server, certs: Certs):
    # A real client trusting only the matching certificate and checking the hostname.
    for host, pair in ((HOST, certs.ecdsa), (RSA_HOST, certs.rsa)):
        r = curl_request(f"https://{host}:{server.https_port}/", certs=None, host=host,
                         extra=["--cacert", pair.cert, "--resolve", f"{host}:{server.https_port}:127.0.0.1"])
        assert r.returncode == 0, f"{host}: {r.stderr}"
        # The RSA name belongs to no distribution: TLS works, the request is misdirected.
        assert r.status == (503 if host == HOST else 421)


# --------------------------------------------------------------------------
# ALPN


@pytest.mark.parametrize("offer, chosen", [("h2", "h2"), ("http/1.1", "http/1.1"), ("h2,http/1.1", "h2")])
def test_alpn(server: Server, offer: str, chosen: str):
    ok, out = handshake(server.https_port, "-alpn", offer)
    assert ok, out
    assert f"ALPN protocol: {chosen}" in out


def test_no_alpn_means_http1(server: Server):
    ok, out = handshake(server.https_port, request=True)
    assert ok and "No ALPN negotiated" in out, out
    assert "HTTP/1.1 503" in out and NO_ORIGIN_BODY in out


# --------------------------------------------------------------------------
# resumption, early data, renegotiation


@pytest.mark.parametrize("version, extra", [
    pytest.param("-tls1_2", ["-no_ticket"], id="tls1.2-session-id"),
    pytest.param("-tls1_2", [], id="tls1.2-ticket"),
    pytest.param("-tls1_3", [], id="tls1.3-ticket"),
])
def test_session_resumption(server: Server, tmp_path: Path, version: str, extra: list[str]):
    session = tmp_path / "session.pem"
    ok, out = handshake(server.https_port, version, *extra, "-sess_out", str(session), request=True)
    assert ok and re.search(r"^New, TLSv1", out, re.M), out
    assert session.exists() and session.stat().st_size > 0
    if "-no_ticket" in extra:
        assert re.search(r"Session-ID: [0-9A-F]{64}", out), "the server's session cache issues a session ID"
    ok, out = handshake(server.https_port, version, *extra, "-sess_in", str(session), request=True)
    assert ok, out
    assert re.search(r"^Reused, TLSv1", out, re.M), out
    assert "HTTP/1.1 503" in out


def test_tls13_early_data_is_not_offered(server: Server, tmp_path: Path):
    session = tmp_path / "session.pem"
    ok, out = handshake(server.https_port, "-tls1_3", "-sess_out", str(session), request=True)
    assert ok, out
    assert field(out, "Max Early Data") == "0", "tickets must not allow 0-RTT"
    early = tmp_path / "early.txt"
    early.write_text(REQUEST)
    result = s_client(server.https_port, "-servername", HOST, "-tls1_3", "-sess_in", str(session),
                      "-early_data", str(early))
    assert re.search(r"^Reused, TLSv1\.3", result.stdout, re.M), result.stdout
    assert re.search(r"Early data was (not sent|rejected)", result.stdout), result.stdout
    assert "Early data was accepted" not in result.stdout


def test_client_renegotiation_is_refused(server: Server):
    # s_client's "R" command starts a renegotiation; then a request on the same connection.
    import subprocess

    proc = subprocess.Popen(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{server.https_port}", "-servername", HOST, "-tls1_2"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        proc.stdin.write("R\n")
        proc.stdin.flush()
        time.sleep(0.5)
        try:
            proc.stdin.write(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert "Secure Renegotiation IS supported" in out, "RFC 5746 indication is still expected"
    assert "RENEGOTIATING" in out, out
    assert "no renegotiation" in out, out
    assert "HTTP/1.1 503" not in out, "the connection must not go on after a refused renegotiation"


# --------------------------------------------------------------------------
# handshake timeout and close_notify


@pytest.fixture(scope="module")
def short_handshake_server(shared_servers: ServerFactory) -> Server:
    config = shared_servers.config()
    config["tls"]["handshake_timeout"] = "1s"
    return shared_servers.start(config)


def test_silent_tcp_connection_is_closed_after_handshake_timeout(short_handshake_server: Server):
    with socket.create_connection(("127.0.0.1", short_handshake_server.https_port), timeout=10) as sock:
        how, waited = wait_closed(sock, 8)
    assert how in ("eof", "reset"), f"still open after {waited:.1f}s"
    assert 0.8 <= waited <= 3.0, f"closed after {waited:.2f}s, handshake_timeout is 1s"


def test_stalled_handshake_is_closed_after_handshake_timeout(short_handshake_server: Server):
    # Half a ClientHello record header, then nothing.
    with socket.create_connection(("127.0.0.1", short_handshake_server.https_port), timeout=10) as sock:
        sock.sendall(b"\x16\x03\x01")
        how, waited = wait_closed(sock, 8)
    assert how in ("eof", "reset"), f"still open after {waited:.1f}s"
    assert 0.8 <= waited <= 3.0, f"closed after {waited:.2f}s, handshake_timeout is 1s"


def test_completed_handshake_is_not_cut_by_handshake_timeout(short_handshake_server: Server):
    sock = tls_connect(short_handshake_server.https_port)
    time.sleep(1.5)  # past handshake_timeout, well within header_timeout (10s)
    sock.sendall(http_get())
    assert read_response(sock)[0] == 503


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_server_sends_close_notify(server: Server, version: ssl.TLSVersion):
    import conftest

    ctx = conftest.client_context()
    ctx.minimum_version = ctx.maximum_version = version
    raw = socket.create_connection(("127.0.0.1", server.https_port), timeout=10)
    sock = ctx.wrap_socket(raw, server_hostname=HOST, suppress_ragged_eofs=False)
    try:
        sock.sendall(http_get(close=True))
        status, _, _ = read_response(sock)
        assert status == 503
        # A clean TLS close (close_notify) reads as EOF; a bare TCP FIN raises SSLEOFError.
        assert wait_closed(sock, 5)[0] == "eof"
    finally:
        sock.close()
