"""An independent audit of the default TLS policy (TLSv1.2_2021) with testssl.sh: protocols,
cipher categories, every cipher the server accepts, forward secrecy. Two scans run in parallel,
one per certificate type (the server picks the certificate by SNI), so that RSA-only suites
(RSA key exchange, ECDHE-RSA-CBC) get a chance to be negotiated and are seen refused."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from conftest import HOST, RSA_HOST, Server, ServerFactory

SCAN_TIMEOUT = 150


@pytest.fixture(scope="module")
def scans(shared_servers: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict]]:
    """{"ecdsa"|"rsa": {finding id: finding}} from testssl's JSON output."""
    testssl = shutil.which("testssl") or shutil.which("testssl.sh")
    if testssl is None:
        pytest.fail("testssl not found on PATH: apt-get install testssl.sh (scripts/install-deps)", pytrace=False)
    server: Server = shared_servers.start()
    out_dir = tmp_path_factory.mktemp("testssl")
    procs = {}
    for kind, name in (("ecdsa", HOST), ("rsa", RSA_HOST)):
        report = out_dir / f"{kind}.json"
        cmd = [testssl, "--quiet", "--color", "0", "--warnings", "batch", "--jsonfile-pretty", str(report),
               "-p", "-s", "-e", "-f", "--ip", "127.0.0.1", f"https://{name}:{server.https_port}"]
        procs[kind] = (subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace"), report)
    results: dict[str, dict[str, dict]] = {}
    try:
        for kind, (proc, report) in procs.items():
            out, _ = proc.communicate(timeout=SCAN_TIMEOUT)
            assert report.exists(), f"testssl wrote no report for {kind} (exit {proc.returncode}):\n{out}"
            data = json.loads(report.read_text())
            findings: dict[str, dict] = {}
            for section in data["scanResult"]:
                for value in section.values():
                    if isinstance(value, list):
                        for finding in value:
                            if isinstance(finding, dict) and "id" in finding:
                                findings[finding["id"]] = finding
            assert findings, f"empty testssl report for {kind}:\n{out}"
            results[kind] = findings
    finally:
        for proc, _ in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
    return results


KINDS = ["ecdsa", "rsa"]


def finding(scans, kind: str, ident: str) -> str:
    assert ident in scans[kind], f"testssl reported no {ident} for {kind}: {sorted(scans[kind])}"
    return scans[kind][ident]["finding"]


def accepted_ciphers(scans, kind: str) -> list[str]:
    """OpenSSL names of every cipher testssl negotiated (-e)."""
    names = []
    for ident, f in scans[kind].items():
        if ident.startswith("cipher_x"):
            # "xc02b   ECDHE-ECDSA-AES128-GCM-SHA256   ECDH 253   AESGCM   128   TLS_ECDHE_..."
            names.append(f["finding"].split()[1])
    return names


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("protocol", ["SSLv2", "SSLv3", "TLS1", "TLS1_1"])
def test_old_protocols_not_offered(scans, kind: str, protocol: str):
    assert finding(scans, kind, protocol) == "not offered"


@pytest.mark.parametrize("kind", KINDS)
def test_tls12_and_tls13_offered(scans, kind: str):
    assert finding(scans, kind, "TLS1_2") == "offered"
    assert finding(scans, kind, "TLS1_3").startswith("offered")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("category", ["cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
                                      "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"])
def test_weak_cipher_categories_not_offered(scans, kind: str, category: str):
    # testssl 3.0's AVERAGE category is the obsoleted CBC ciphers.
    assert finding(scans, kind, category) == "not offered"


@pytest.mark.parametrize("kind", KINDS)
def test_every_accepted_cipher_is_aead_and_forward_secret(scans, kind: str):
    ciphers = accepted_ciphers(scans, kind)
    assert ciphers, "testssl found no cipher at all"
    for name in ciphers:
        tls13 = name.startswith("TLS_")
        assert tls13 or name.startswith("ECDHE-"), f"{name}: not forward secret"
        assert re.search(r"GCM|CHACHA20|POLY1305", name), f"{name}: not an AEAD cipher (CBC?)"
        assert "CBC" not in name and not re.search(r"-SHA$", name)
    # Exactly the policy: three TLS 1.3 suites and three TLS 1.2 suites for the key type.
    auth = "ECDSA" if kind == "ecdsa" else "RSA"
    assert sorted(ciphers) == sorted([
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
        f"ECDHE-{auth}-AES128-GCM-SHA256", f"ECDHE-{auth}-AES256-GCM-SHA384", f"ECDHE-{auth}-CHACHA20-POLY1305",
    ])


@pytest.mark.parametrize("kind", KINDS)
def test_forward_secrecy(scans, kind: str):
    assert finding(scans, kind, "PFS") == "offered"
    # Every accepted cipher is in testssl's forward-secret list.
    fs = set(finding(scans, kind, "PFS_ciphers").split())
    assert set(accepted_ciphers(scans, kind)) <= fs
    curves = finding(scans, kind, "PFS_ECDHE_curves").split()
    assert "X25519" in curves
    assert all(c in ("X25519", "prime256v1", "secp384r1") for c in curves), curves


@pytest.mark.parametrize("kind", KINDS)
def test_alpn_offers_h2(scans, kind: str):
    assert finding(scans, kind, "ALPN_HTTP2") == "h2"
