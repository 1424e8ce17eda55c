"""scripts/local-origin, the local default's S3 stand-in (used by scripts/run-local): it starts
moto_server, seeds a private SSE-KMS bucket with sample files and writes the read-only user's
credentials to origin.env (mode 0600); s3edge configured the way run-local does serves them."""

from __future__ import annotations

import os
import shlex
import stat
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import HOST, ROOT, Certs, ServerFactory, curl, free_port, origin_env, parse_curl, run, with_origin

SCRIPT = ROOT / "scripts" / "local-origin"


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = shlex.split(value)[0] if value else ""
    return values


def test_local_origin_serves_a_private_bucket_through_s3edge(servers: ServerFactory, certs: Certs, tmp_path: Path):
    directory = tmp_path / "local"
    port = free_port()
    env = dict(os.environ, S3EDGE_LOCAL_DIR=str(directory), S3EDGE_ORIGIN_PORT=str(port))
    started = run([SCRIPT, "start"], env=env, timeout=90)
    pid = None
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        env_file = directory / "origin.env"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        values = read_env_file(env_file)
        pid = int(values["S3EDGE_ORIGIN_PID"])
        assert values["S3EDGE_ORIGIN_ENDPOINT"] == f"http://127.0.0.1:{port}"
        assert values["S3EDGE_ORIGIN_BUCKET"] == "s3edge-local-assets"
        assert values["S3EDGE_ORIGIN_REGION"] == "eu-west-2"
        assert values["AWS_ACCESS_KEY_ID"] and values["AWS_SECRET_ACCESS_KEY"]
        assert values["AWS_SECRET_ACCESS_KEY"] not in started.stdout + started.stderr

        # Private: an unsigned request is refused.
        try:
            urllib.request.urlopen(f"{values['S3EDGE_ORIGIN_ENDPOINT']}/s3edge-local-assets/hello.txt", timeout=10)
            raise AssertionError("an unsigned request was served")
        except urllib.error.HTTPError as e:
            assert e.code == 403

        config = with_origin(servers.config(), values["S3EDGE_ORIGIN_ENDPOINT"],
                             bucket=values["S3EDGE_ORIGIN_BUCKET"], region=values["S3EDGE_ORIGIN_REGION"])
        # As scripts/run-local writes it: the cache encrypted under the local origin's KMS key.
        assert values["S3EDGE_CACHE_KMS_KEY"] == "alias/s3edge-cache"
        config["cache"]["encryption"] = {
            "mode": "kms", "kms_key_id": values["S3EDGE_CACHE_KMS_KEY"], "kms_region": values["S3EDGE_ORIGIN_REGION"],
            "kms_endpoint": values["S3EDGE_ORIGIN_ENDPOINT"],
        }
        edge = servers.start(config, env=origin_env(values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"]))
        base = ["--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", certs.ca_bundle, "--dump-header", "-"]
        url = f"https://{HOST}:{edge.https_port}"
        expected = {
            "/hello.txt": (200, "text/plain; charset=utf-8", b"Hello from s3edge"),
            "/images/gradient.png": (200, "image/png", b"\x89PNG\r\n\x1a\n"),
            "/docs/sample.pdf": (200, "application/pdf", b"%PDF-1.4"),
            "/legacy/not-kms.txt": (502, None, b""),
        }
        for path, (status, content_type, start) in expected.items():
            out = tmp_path / "body"
            r = parse_curl(curl([*base, "--output", out, url + path]))
            assert r.status == status, f"{path}: {r.status}\n{edge.log()[-2000:]}"
            if content_type:
                assert r.header("content-type") == content_type
                assert out.read_bytes().startswith(start)
        again = parse_curl(curl([*base, "--output", tmp_path / "body", url + "/hello.txt"]))
        assert again.status == 200 and again.header("x-cache") == "Hit from s3edge", edge.log()[-2000:]
        assert edge.wait_for_log(r"cache encrypted with a KMS data key; caching is on"), edge.log()
        assert edge.stop() == 0
        cache = edge.config_path.parent / "cache"
        stored = b"".join(p.read_bytes() for p in cache.iterdir() if p.is_file())
        assert b"Hello from s3edge" not in stored and b"%PDF-1.4" not in stored
        assert "origin.env" in os.listdir(directory)
    finally:
        stopped = run([SCRIPT, "stop"], env=env, timeout=30)
    assert stopped.returncode == 0, stopped.stderr
    assert not (directory / "origin.env").exists()
    if pid is not None:
        deadline = time.monotonic() + 5
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists(), "moto_server still runs after `local-origin stop`"
