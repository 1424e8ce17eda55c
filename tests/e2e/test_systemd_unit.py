"""Checks of systemd/s3edge.service against the real `systemd-analyze`.

Run: .venv/bin/pytest tests/e2e/test_systemd_unit.py -v

`systemd-analyze` comes from Debian's `systemd` package (scripts/install-deps
installs it). It needs no running systemd: `verify` and `security
--offline=true` only read unit files, so these tests work in a container.

Environment:
  S3EDGE_BIN  path of a built s3edge binary (e.g. .build/release/s3edge).
              `systemd-analyze verify` checks that every Exec*= command is an
              executable file; the unit names /usr/local/bin/s3edge, which is
              only there on an installed host. The verify tests therefore copy
              the unit into a temporary directory with that path replaced by
              S3EDGE_BIN, or by /bin/true when it is unset. Everything else in
              the unit is verified byte for byte as committed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "s3edge.service"
INSTALLED_BIN = "/usr/local/bin/s3edge"
CONFIG = "/etc/s3edge/s3edge.yaml"
DAEMON_DRAIN_TIMEOUT_S = 30  # the daemon's default drain timeout
MAX_EXPOSURE = 2.0


# --------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="session")
def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.fail(
            "systemd-analyze not found on PATH: install the Debian package "
            "`systemd` (apt-get install systemd, or run scripts/install-deps)",
            pytrace=False,
        )
    return path


def run_analyze(tool: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, SYSTEMD_COLORS="0", SYSTEMD_PAGER="cat", LC_ALL="C.UTF-8")
    return subprocess.run(
        [tool, "--no-pager", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=cwd,
        timeout=120,
    )


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Minimal systemd unit parser: section -> key -> list of values.

    Handles comments, blank lines and backslash continuations. Repeated keys
    accumulate; an empty assignment resets the list, as systemd does for
    list-valued settings.
    """
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    logical: list[str] = []
    lines: list[str] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not logical and (not stripped or stripped[0] in "#;"):
            continue
        if stripped.endswith("\\"):
            logical.append(stripped[:-1])
            continue
        logical.append(stripped)
        lines.append(" ".join(logical))
        logical = []
    for line in lines:
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"assignment outside a section: {line!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not an assignment: {line!r}"
        key, value = key.strip(), value.strip()
        if value == "":
            current[key] = []
        else:
            current.setdefault(key, []).append(value)
    return sections


@pytest.fixture(scope="session")
def unit_text() -> str:
    assert UNIT.is_file(), f"missing {UNIT}"
    return UNIT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def service(unit_text: str) -> dict[str, list[str]]:
    sections = parse_unit(unit_text)
    assert "Service" in sections, "no [Service] section"
    return sections["Service"]


def one(service: dict[str, list[str]], key: str) -> str:
    values = service.get(key, [])
    assert len(values) == 1, f"{key}= expected exactly once, got {values!r}"
    return values[0]


def parse_timespan(value: str) -> float:
    """systemd time span ('40s', '1min 10s', '45') -> seconds."""
    units = {
        "us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3,
        "": 1, "s": 1, "sec": 1, "second": 1, "seconds": 1,
        "m": 60, "min": 60, "minute": 60, "minutes": 60,
        "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
    }
    total = 0.0
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value)
    assert parts and "".join(f"{n}{u}" for n, u in parts) == value.replace(" ", ""), value
    for number, unit in parts:
        assert unit in units, f"unknown time unit {unit!r} in {value!r}"
        total += float(number) * units[unit]
    return total


@pytest.fixture()
def verifiable_unit(tmp_path: Path, unit_text: str) -> Path:
    """The unit, with the not-yet-installed binary path pointed at a real one."""
    binary = os.environ.get("S3EDGE_BIN") or "/bin/true"
    binary = os.path.abspath(binary)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.fail(f"S3EDGE_BIN={binary} is not an executable file", pytrace=False)
    assert INSTALLED_BIN in unit_text
    # The file name matters: systemd derives the unit name from it.
    path = tmp_path / "s3edge.service"
    path.write_text(unit_text.replace(INSTALLED_BIN, binary), encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# systemd-analyze


def test_security_exposure_at_most_2(systemd_analyze: str) -> None:
    # The committed file itself: the offline security review reads only the
    # unit, it does not look at the binary.
    result = run_analyze(systemd_analyze, "security", "--offline=true", str(UNIT))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    match = re.search(
        r"Overall exposure level for s3edge\.service:\s*(\d+(?:\.\d+)?)\s+(\S+)", output
    )
    assert match, f"no overall exposure line in:\n{output}"
    score = float(match.group(1))
    print(f"exposure: {match.group(0)}")
    failing = [line for line in output.splitlines() if line.lstrip().startswith("✗")]
    assert score <= MAX_EXPOSURE, (
        f"exposure {score} > {MAX_EXPOSURE}; unsatisfied checks:\n" + "\n".join(failing)
    )

    # Cross-check with systemd's own threshold (in tenths): it must agree.
    threshold = run_analyze(
        systemd_analyze, "security", "--offline=true",
        f"--threshold={int(MAX_EXPOSURE * 10)}", str(UNIT),
    )
    assert threshold.returncode == 0, threshold.stdout + threshold.stderr


def test_verify_is_clean(systemd_analyze: str, verifiable_unit: Path) -> None:
    result = run_analyze(systemd_analyze, "verify", str(verifiable_unit), cwd=verifiable_unit.parent)
    # verify exits 0 even for unknown keys or unparsable values (it only
    # warns), so the real check is that it prints nothing at all.
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "", result.stdout
    assert result.stderr == "", result.stderr


def test_verify_reports_problems(systemd_analyze: str, verifiable_unit: Path) -> None:
    """Canary: a broken copy must produce output, or the test above proves nothing."""
    broken = verifiable_unit.read_text(encoding="utf-8").replace(
        "[Service]\n", "[Service]\nNotARealSetting=1\nTimeoutStopSec=forty\n", 1
    )
    verifiable_unit.write_text(broken, encoding="utf-8")
    result = run_analyze(systemd_analyze, "verify", str(verifiable_unit), cwd=verifiable_unit.parent)
    output = result.stdout + result.stderr
    assert "NotARealSetting" in output, output
    assert "forty" in output, output


def test_verify_flags_missing_binary(systemd_analyze: str, tmp_path: Path, unit_text: str) -> None:
    """Why the verify tests rewrite ExecStart: verify checks the binary exists."""
    missing = tmp_path / "no-such-dir" / "s3edge"
    path = tmp_path / "s3edge.service"
    path.write_text(unit_text.replace(INSTALLED_BIN, str(missing)), encoding="utf-8")
    result = run_analyze(systemd_analyze, "verify", str(path), cwd=tmp_path)
    assert result.returncode != 0
    assert str(missing) in result.stdout + result.stderr


# --------------------------------------------------------------------------
# contents of the unit


def test_exec_lines(service: dict[str, list[str]]) -> None:
    assert one(service, "ExecStart").split() == [INSTALLED_BIN, "serve", "--config", CONFIG]
    assert one(service, "ExecStartPre").split() == [INSTALLED_BIN, "check-config", "--config", CONFIG]


def test_notify_protocol(service: dict[str, list[str]]) -> None:
    assert one(service, "Type") == "notify"
    assert one(service, "NotifyAccess") == "main"


def test_reload_sends_hup(service: dict[str, list[str]]) -> None:
    assert one(service, "ExecReload").split() == ["/bin/kill", "-HUP", "$MAINPID"]


def test_stop_and_restart(service: dict[str, list[str]]) -> None:
    stop = parse_timespan(one(service, "TimeoutStopSec"))
    # Above the daemon's drain timeout, or systemd SIGKILLs a clean drain;
    # but not absurdly so, or a hung stop blocks shutdown for long.
    assert DAEMON_DRAIN_TIMEOUT_S < stop <= DAEMON_DRAIN_TIMEOUT_S + 30, stop
    assert service.get("KillMode", ["control-group"]) in (["mixed"], ["control-group"])
    assert one(service, "Restart") == "on-failure"


def test_runs_as_non_root(service: dict[str, list[str]]) -> None:
    dynamic = service.get("DynamicUser", ["no"])[-1].lower() in ("yes", "true", "1", "on")
    user = service.get("User", [""])[-1]
    assert dynamic or (user and user not in ("root", "0")), (dynamic, user)
    if user:
        assert user not in ("root", "0")
    # A static group cannot be Group= together with DynamicUser=yes.
    if dynamic:
        assert "Group" not in service
    # Binding <1024 from a private user namespace fails (see the unit).
    assert service.get("PrivateUsers", ["no"])[-1].lower() in ("no", "false", "0", "off")


def test_capabilities(service: dict[str, list[str]]) -> None:
    assert one(service, "AmbientCapabilities") == "CAP_NET_BIND_SERVICE"
    assert one(service, "CapabilityBoundingSet") == "CAP_NET_BIND_SERVICE"
    assert one(service, "NoNewPrivileges") == "yes"


def test_directories(service: dict[str, list[str]]) -> None:
    assert one(service, "CacheDirectory") == "s3edge"
    assert one(service, "StateDirectory") == "s3edge"
    assert one(service, "ConfigurationDirectory") == "s3edge"
    # systemd never chowns the configuration directory: the dynamic user must
    # be able to traverse it, so it cannot be 0700/0750 root:root.
    mode = int(service.get("ConfigurationDirectoryMode", ["0755"])[-1], 8)
    assert mode & 0o001, oct(mode)
    assert one(service, "UMask") == "0077"


def test_journal_and_limits(service: dict[str, list[str]]) -> None:
    assert one(service, "SyslogIdentifier") == "s3edge"
    for stream in ("StandardOutput", "StandardError"):
        assert service.get(stream, ["journal"])[-1] == "journal"
    assert int(one(service, "LimitNOFILE").split(":")[-1]) >= 65536


def test_hardening_settings(service: dict[str, list[str]]) -> None:
    expected = {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "DevicePolicy": "closed",
        "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes",
        "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes",
        "ProtectClock": "yes",
        "ProtectHostname": "yes",
        "ProtectProc": "invisible",
        "ProcSubset": "pid",
        "RestrictNamespaces": "yes",
        "RestrictRealtime": "yes",
        "RestrictSUIDSGID": "yes",
        "LockPersonality": "yes",
        "MemoryDenyWriteExecute": "yes",
        "SystemCallArchitectures": "native",
        "KeyringMode": "private",
        "RemoveIPC": "yes",
    }
    actual = {key: service.get(key, ["<unset>"])[-1] for key in expected}
    assert actual == expected
    assert sorted(one(service, "RestrictAddressFamilies").split()) == ["AF_INET", "AF_INET6", "AF_UNIX"]
    assert service["SystemCallFilter"][0] == "@system-service"
    denied = {g for v in service["SystemCallFilter"][1:] if v.startswith("~") for g in v[1:].split()}
    assert {"@privileged", "@resources"} <= denied
    # A CDN front accepts clients from anywhere and reaches S3 anywhere.
    assert "IPAddressDeny" not in service
    assert "PrivateNetwork" not in service
