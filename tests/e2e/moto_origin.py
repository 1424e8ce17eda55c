"""moto_server as a private, SSE-KMS encrypted S3 bucket on loopback, for end-to-end tests.

`MotoServer` runs `moto_server` (PyPI moto[server], from the same venv as the tests) on a
loopback port; `seed_private_bucket` creates, the way an operator would on AWS:

- a KMS key, and a bucket whose default encryption is SSE-KMS under it with a bucket key,
  public access blocked;
- the objects given (put without naming an encryption, so the bucket default applies, unless
  an object asks for another, e.g. AES256 for a "legacy" object);
- an IAM user whose only permission is s3:GetObject on arn:aws:s3:::BUCKET/* (no ListBucket),
  and an access key for it;

`seed_cache_kms` adds what an encrypted cache needs: a KMS key with the alias
`alias/s3edge-cache`, kms:GenerateDataKey and kms:Decrypt for the bucket's reader, and a second
user who may read the bucket but use no KMS key at all (for the "KMS refuses" cases).

Then `enable_auth` switches moto's IAM enforcement on (every later request must be signed by a
known key and allowed by policy). moto facts worth knowing: it verifies signatures by
recomputing them with botocore over a re-quoted URL (so keys with non-ASCII or !'()*+=&:;@%
may fail there even when correctly signed: not used here), and closes every connection after
one answer. It enforces identity policies for KMS calls (a user without kms:* is refused with a
403 query-protocol XML `ErrorResponse`, Code AccessDenied, not KMS's JSON), but matches them
against resource "*" (moto's KMS responses name no resource): a statement scoped to the key's ARN
never matches there, so the cache's statement uses "*". It checks neither key policies nor
S3's use of the bucket's key.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

REGION = "eu-west-2"
# Any credentials do while auth is off; moto's default account is 123456789012.
SEED_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


# --------------------------------------------------------------------------
# sample files (valid, small, made here)


def png_bytes(width: int = 16, height: int = 16) -> bytes:
    """A valid RGB PNG: a colour gradient."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes(((x * 255) // max(width - 1, 1), (y * 255) // max(height - 1, 1), 128))
                           for x in range(width))
        for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def pdf_bytes(text: str = "Hello from s3edge") -> bytes:
    """A minimal valid one-page PDF 1.4 with a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


# --------------------------------------------------------------------------
# the server


def _die_with_parent() -> None:
    import ctypes

    ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


class MotoServer:
    """One moto_server process on 127.0.0.1:`port`."""

    def __init__(self, port: int, log_path: Path, *, python: str | None = None) -> None:
        self.port = port
        self.log_path = log_path
        self.python = python or sys.executable
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "MotoServer":
        moto = Path(self.python).with_name("moto_server")
        command = [str(moto)] if moto.exists() else [self.python, "-m", "moto.server"]
        self._log = open(self.log_path, "wb")
        env = dict(os.environ)
        env.pop("AWS_PROFILE", None)
        self.proc = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=env,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2) as r:
                    r.read()
                return self
            except urllib.error.HTTPError:
                return self  # answering
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto_server did not answer within {timeout}s:\n{self.log()}")
            time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None


# --------------------------------------------------------------------------
# seeding


@dataclass
class SeedObject:
    key: str
    body: bytes
    content_type: str
    # None: the bucket default (SSE-KMS); "AES256" for an object that predates it.
    server_side_encryption: str | None = None


@dataclass
class SeededObject:
    key: str
    body: bytes
    content_type: str
    etag: str  # as S3 returns it, quoted
    server_side_encryption: str  # as S3 reports it


@dataclass
class SeededBucket:
    endpoint: str
    bucket: str
    region: str
    kms_key_arn: str
    access_key_id: str
    secret_access_key: str
    user: str
    objects: dict[str, SeededObject] = field(default_factory=dict)


def _client(service: str, endpoint: str, region: str, **credentials):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service, endpoint_url=endpoint, region_name=region, **(credentials or SEED_CREDENTIALS),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def seed_private_bucket(endpoint: str, bucket: str, objects: list[SeedObject], *, region: str = REGION,
                        user: str = "s3edge-reader") -> SeededBucket:
    """Creates the KMS key, the private SSE-KMS bucket, the objects and the read-only IAM user."""
    kms = _client("kms", endpoint, region)
    s3 = _client("s3", endpoint, region)
    iam = _client("iam", endpoint, region)

    key_arn = kms.create_key(Description=f"s3edge test key for {bucket}")["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
        "BucketKeyEnabled": True,
    }]})

    seeded: dict[str, SeededObject] = {}
    for obj in objects:
        extra = {"ServerSideEncryption": obj.server_side_encryption} if obj.server_side_encryption else {}
        put = s3.put_object(Bucket=bucket, Key=obj.key, Body=obj.body, ContentType=obj.content_type, **extra)
        seeded[obj.key] = SeededObject(obj.key, obj.body, obj.content_type, put["ETag"], put["ServerSideEncryption"])

    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="s3edge-read-objects", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }))
    access_key = iam.create_access_key(UserName=user)["AccessKey"]
    return SeededBucket(endpoint, bucket, region, key_arn, access_key["AccessKeyId"], access_key["SecretAccessKey"],
                        user, seeded)


CACHE_KEY_ALIAS = "alias/s3edge-cache"


@dataclass
class CacheKMS:
    key_arn: str
    alias: str
    # The user who may read the bucket but call no KMS operation.
    denied_user: str
    denied_access_key_id: str
    denied_secret_access_key: str


def seed_cache_kms(endpoint: str, bucket: SeededBucket, *, reuse_bucket_key: bool = False,
                   alias: str = CACHE_KEY_ALIAS, denied_user: str = "s3edge-no-kms") -> CacheKMS:
    """Creates the cache's KMS key (or takes the bucket's) and its alias, lets the bucket's reader
    call kms:GenerateDataKey and kms:Decrypt, and creates `denied_user` with s3:GetObject only.
    Call it before `enable_auth`."""
    kms = _client("kms", endpoint, bucket.region)
    iam = _client("iam", endpoint, bucket.region)
    key_arn = bucket.kms_key_arn if reuse_bucket_key else \
        kms.create_key(Description=f"s3edge cache key ({bucket.bucket})")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_arn)
    # On AWS this statement would name key_arn; moto matches KMS calls against "*" only.
    iam.put_user_policy(UserName=bucket.user, PolicyName="s3edge-cache-kms", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}],
    }))
    iam.create_user(UserName=denied_user)
    iam.put_user_policy(UserName=denied_user, PolicyName="s3edge-read-objects", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket.bucket}/*"}],
    }))
    access_key = iam.create_access_key(UserName=denied_user)["AccessKey"]
    return CacheKMS(key_arn, alias, denied_user, access_key["AccessKeyId"], access_key["SecretAccessKey"])


def enable_auth(endpoint: str) -> None:
    """Switches moto's IAM enforcement on for every following request. The body is the number of
    requests still let through unauthenticated (0). text/plain: with a form content type moto
    reads an empty body and answers 500."""
    request = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10) as r:
        answer = json.loads(r.read())
    if answer.get("status") != "ok":
        raise RuntimeError(f"moto reset-auth answered {answer}")
