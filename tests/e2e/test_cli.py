"""The command line as an operator uses it: --version, make-cert, check-config (nginx -t style
FILE:LINE diagnostics) and `serve` refusing to start on a broken configuration."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import (
    Certs,
    ServerFactory,
    base_config,
    free_port,
    make_cert,
    run,
    to_yaml,
    write_config,
)


def check_config(binary: Path, path: Path) -> subprocess.CompletedProcess:
    return run([binary, "check-config", "--config", path])


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the `occurrence`-th appearance of `needle`."""
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found {occurrence} time(s) in {path}")


def diagnostics(stderr: str, path: Path) -> list[tuple[int, str]]:
    """(line, message) for every `FILE:LINE: message` error line on stderr."""
    found = []
    for line in stderr.splitlines():
        m = re.match(re.escape(str(path)) + r":(\d+): (.*)$", line)
        if m and not m.group(2).startswith("warning:"):
            found.append((int(m.group(1)), m.group(2)))
    return found


@pytest.fixture
def valid_config(tmp_path: Path, certs: Certs) -> dict:
    return base_config(free_port(), certs, http_port=free_port())


# --------------------------------------------------------------------------
# --version, make-cert


def test_version_prints_a_semantic_version(s3edge_bin: Path):
    result = run([s3edge_bin, "--version"])
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\n", result.stdout), result.stdout


@pytest.mark.parametrize("key_type, key_algorithm", [("ecdsa", "id-ecPublicKey"), ("rsa", "rsaEncryption")])
def test_make_cert_writes_a_usable_certificate(s3edge_bin: Path, tmp_path: Path, key_type: str, key_algorithm: str):
    cert, key = make_cert(s3edge_bin, tmp_path, "c", ["www.example.test", "alt.example.test", "127.0.0.1"],
                          key_type=key_type, days=10)
    text = run(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout
    assert "Subject: CN = www.example.test" in text
    assert re.search(r"DNS:www\.example\.test, DNS:alt\.example\.test, IP Address:127\.0\.0\.1", text), text
    assert key_algorithm in text
    # The key is private to its owner and belongs to the certificate.
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    cert_pub = run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"]).stdout
    key_pub = run(["openssl", "pkey", "-in", key, "-pubout"]).stdout
    assert cert_pub and cert_pub == key_pub
    # --days is honoured: expires in 10 days, not later (checkend counts seconds).
    assert run(["openssl", "x509", "-in", cert, "-noout", "-checkend", str(9 * 86400)]).returncode == 0
    assert run(["openssl", "x509", "-in", cert, "-noout", "-checkend", str(11 * 86400)]).returncode == 1


def test_make_cert_rejects_an_unknown_key_type(s3edge_bin: Path, tmp_path: Path):
    result = run([s3edge_bin, "make-cert", "--cert", tmp_path / "c.pem", "--key", tmp_path / "c.key",
                  "--type", "dsa", "x.example.test"])
    assert result.returncode != 0
    assert "ecdsa or rsa" in result.stderr
    assert not (tmp_path / "c.pem").exists()


# --------------------------------------------------------------------------
# check-config: accepted


def test_check_config_accepts_a_valid_file(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    result = check_config(s3edge_bin, path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{path}: configuration ok: ")
    assert "1 distribution" in result.stdout and "2 certificates" in result.stdout
    assert "TLSv1.2_2021" in result.stdout
    assert result.stderr == ""


def test_check_config_resolves_relative_certificate_paths_against_the_file(s3edge_bin: Path, tmp_path: Path,
                                                                          certs: Certs, valid_config: dict):
    conf_dir = tmp_path / "etc"
    (conf_dir / "tls").mkdir(parents=True)
    for name in ("ecdsa.pem", "ecdsa.key"):
        (conf_dir / "tls" / name).write_bytes((certs.directory / name).read_bytes())
    valid_config["tls"]["certificates"] = [{"cert": "tls/ecdsa.pem", "key": "tls/ecdsa.key"}]
    path = write_config(conf_dir / "s3edge.yaml", valid_config)
    # Run from another directory: the paths must not be resolved against the working directory.
    result = run([s3edge_bin, "check-config", "--config", path], cwd=Path("/"))
    assert result.returncode == 0, result.stderr
    assert "configuration ok" in result.stdout


def test_check_config_reports_warnings_but_accepts(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    # redirect-to-https without a plain HTTP listener has nothing to redirect: a warning.
    del valid_config["listen"]["http"]
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    result = check_config(s3edge_bin, path)
    assert result.returncode == 0, result.stderr
    line = line_of(path, "protocol_policy")
    assert f"{path}:{line}: warning: " in result.stderr
    assert "1 warning" in result.stdout


# --------------------------------------------------------------------------
# check-config: errors point at the line to fix


def assert_single_error(result: subprocess.CompletedProcess, path: Path, line: int, *words: str) -> str:
    assert result.returncode == 1, f"expected exit 1, got {result.returncode}; stdout {result.stdout!r}"
    assert result.stdout == "", "nothing on stdout for an invalid file"
    found = diagnostics(result.stderr, path)
    assert found, f"no {path}:LINE: error line on stderr:\n{result.stderr}"
    assert [n for n, _ in found] == [line], f"expected one error at line {line}, got {found}"
    message = found[0][1]
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message


def test_check_config_unknown_key(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    valid_config["limits"] = {"max_header_sise": "8KiB"}
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    message = assert_single_error(check_config(s3edge_bin, path), path, line_of(path, "max_header_sise"),
                                  "max_header_sise")
    assert "max_header_size" in message, "a near miss should suggest the right key"


def test_check_config_unknown_top_level_section(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    valid_config["origins"] = {"bucket": "x"}
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    assert_single_error(check_config(s3edge_bin, path), path, line_of(path, "origins:"), "origins")


def test_check_config_missing_certificate_file(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    missing = tmp_path / "nope" / "missing.pem"
    valid_config["tls"]["certificates"][1]["cert"] = str(missing)
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    assert_single_error(check_config(s3edge_bin, path), path, line_of(path, "missing.pem"), str(missing))


def test_check_config_key_not_matching_certificate(s3edge_bin: Path, tmp_path: Path, certs: Certs,
                                                   valid_config: dict):
    valid_config["tls"]["certificates"] = [{"cert": str(certs.rsa.cert), "key": str(certs.ecdsa.key)}]
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    assert_single_error(check_config(s3edge_bin, path), path, line_of(path, "key:"), "does not match",
                        str(certs.ecdsa.key))


def test_check_config_file_that_is_not_a_certificate(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("this is not PEM\n")
    valid_config["tls"]["certificates"][0]["cert"] = str(bogus)
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    assert_single_error(check_config(s3edge_bin, path), path, line_of(path, "bogus.pem"), str(bogus))


def test_check_config_duplicate_listen_address(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    address = valid_config["listen"]["https"]
    valid_config["listen"]["http"] = address
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    assert_single_error(check_config(s3edge_bin, path), path, line_of(path, address, occurrence=2), address)


def test_check_config_duplicate_address_within_a_list(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    address = valid_config["listen"]["https"]
    valid_config["listen"]["https"] = [address, address]
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    assert_single_error(check_config(s3edge_bin, path), path, line_of(path, address, occurrence=2), address)


@pytest.mark.parametrize("section, key, value, needle", [
    ("tls", "min_version", "TLSv1.1", "TLSv1.1"),
    ("tls", "security_policy", "TLSv1_2016", "TLSv1_2016"),
    ("viewer", "protocol_policy", "redirect-to-http", "redirect-to-http"),
    ("limits", "max_header_size", "lots", "lots"),
    ("limits", "header_timeout", "soon", "soon"),
])
def test_check_config_invalid_value(s3edge_bin: Path, tmp_path: Path, valid_config: dict, section: str, key: str,
                                    value: str, needle: str):
    valid_config[section][key] = value
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    assert_single_error(check_config(s3edge_bin, path), path, line_of(path, f"{key}:"), needle)


def test_check_config_yaml_syntax_error(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    text = to_yaml(valid_config).replace("distributions:", "distributions: [unclosed\nlog_extra: 1")
    path = write_config(tmp_path / "s3edge.yaml", text)
    result = check_config(s3edge_bin, path)
    assert result.returncode == 1
    found = diagnostics(result.stderr, path)
    assert found and "YAML" in found[0][1], result.stderr
    # The parser notices at or just after the unclosed bracket.
    assert line_of(path, "[unclosed") <= found[0][0] <= line_of(path, "[unclosed") + 2, found


def test_check_config_reports_every_error_not_only_the_first(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    valid_config["tls"]["min_version"] = "TLSv1.0"
    valid_config["limits"] = {"idle_timeout": "forever"}
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    result = check_config(s3edge_bin, path)
    assert result.returncode == 1
    lines = sorted(n for n, _ in diagnostics(result.stderr, path))
    assert lines == [line_of(path, "min_version"), line_of(path, "idle_timeout")], result.stderr


def test_check_config_missing_file(s3edge_bin: Path, tmp_path: Path):
    path = tmp_path / "absent.yaml"
    result = check_config(s3edge_bin, path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:"), result.stderr
    assert result.stdout == ""


# --------------------------------------------------------------------------
# serve refuses to start on what check-config rejects


def test_serve_refuses_an_invalid_configuration(servers: ServerFactory):
    config = servers.config()
    config["tls"]["min_version"] = "SSLv3"
    path = servers.write(config)
    server = servers.start(config, config_path=path, expect_ready=False)
    assert server.wait(10) == 1
    assert server.messages == [], "no READY=1 for a configuration that does not load"
    assert f"{path}:{line_of(path, 'min_version')}:" in server.log()


def test_serve_fails_when_the_port_is_taken(servers: ServerFactory):
    import socket

    config = servers.config()
    port = int(config["listen"]["https"].rsplit(":", 1)[1])
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        server = servers.start(config, expect_ready=False)
        assert server.wait(10) == 1
    assert not any(m.get("READY") == "1" for m in server.messages)
    assert "cannot listen" in server.log() and str(port) in server.log()


# --------------------------------------------------------------------------
# certificate expiry (warnings, not errors: an operator renewing late must still be able to start)


CA_CONFIG = """\
[ca]
default_ca = selfsign
[selfsign]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[anything]
commonName = supplied
"""


def expired_cert(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate valid January 2020 only. make-cert cannot backdate and OpenSSL
    3.0's `req`/`x509` cannot either; `openssl ca -selfsign -startdate -enddate` can."""
    directory.mkdir(parents=True, exist_ok=True)
    key, csr, cert = directory / "expired.key", directory / "expired.csr", directory / "expired.pem"
    (directory / "index.txt").write_text("")
    (directory / "serial").write_text("01\n")
    (directory / "ca.cnf").write_text(CA_CONFIG)
    steps = [
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key],
        ["openssl", "req", "-new", "-key", key, "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-out", csr],
        ["openssl", "ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", key, "-in", csr, "-out", cert,
         "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-notext"],
    ]
    for step in steps:
        result = run(step, cwd=directory)
        assert result.returncode == 0, f"{step[:2]} failed: {result.stderr}"
    return cert, key


def test_check_config_warns_about_an_expired_certificate(s3edge_bin: Path, tmp_path: Path, valid_config: dict):
    cert, key = expired_cert(tmp_path / "tls", "expired.example.test")
    valid_config["tls"]["certificates"].append({"cert": str(cert), "key": str(key)})
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    result = check_config(s3edge_bin, path)
    assert result.returncode == 0, result.stderr
    line = line_of(path, "expired.pem")
    assert re.search(rf"^{re.escape(str(path))}:{line}: warning: .*expired", result.stderr, re.M), result.stderr
    assert "1 warning" in result.stdout


def test_check_config_warns_about_a_certificate_expiring_soon(s3edge_bin: Path, tmp_path: Path,
                                                               valid_config: dict):
    cert, key = make_cert(s3edge_bin, tmp_path, "soon", ["soon.example.test"], days=5)
    valid_config["tls"]["certificates"].append({"cert": str(cert), "key": str(key)})
    path = write_config(tmp_path / "s3edge.yaml", valid_config)
    result = check_config(s3edge_bin, path)
    assert result.returncode == 0, result.stderr
    line = line_of(path, "soon.pem")
    assert re.search(rf"^{re.escape(str(path))}:{line}: warning: .*expires in [45] days", result.stderr,
                     re.M), result.stderr


def test_serve_starts_with_an_expired_certificate_that_clients_refuse(servers: ServerFactory, tmp_path: Path):
    cert, key = expired_cert(tmp_path / "tls", "expired.example.test")
    config = servers.config()
    config["tls"]["certificates"] = [{"cert": str(cert), "key": str(key)}]
    config["distributions"][0]["hostnames"].append("expired.example.test")
    server = servers.start(config)
    assert re.search(r"warning .*expired", server.log()), server.log()
    result = run(["curl", "-q", "--silent", "--show-error", "--max-time", "10", "--cacert", cert,
                  "--resolve", f"expired.example.test:{server.https_port}:127.0.0.1",
                  f"https://expired.example.test:{server.https_port}/"])
    assert result.returncode == 60, result.stderr  # peer certificate cannot be authenticated
    assert "expired" in result.stderr
