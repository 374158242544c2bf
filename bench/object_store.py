"""An S3-compatible object store on loopback, for the production-shape benchmarks and, through
``tests/fixtures/object_store.py``, the tests.

**A stand-in**: moto's S3 server
(``moto_server``, installed with the dev dependency ``moto[server]``) in its own process on
127.0.0.1, spoken to over real HTTP by DuckDB's ``httpfs`` and by boto3. It keeps the objects in
memory and answers on loopback: a real store adds network latency and durability work that this
one does not, so a benchmark on it measures the platform's side of the exchange.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["LoopbackStore", "moto_store"]

_KEY_ID, _SECRET, _REGION = "zhongtai-bench", "zhongtai-bench-secret", "us-east-1"


@dataclass(frozen=True, slots=True)
class LoopbackStore:
    host: str
    port: int
    pid: int

    def client(self) -> S3Client:
        import boto3

        client: S3Client = boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            aws_access_key_id=_KEY_ID,
            aws_secret_access_key=_SECRET,
            region_name=_REGION,
        )
        return client

    @property
    def endpoint(self) -> str:
        """``host:port``, as ``ZHONGTAI_S3_ENDPOINT`` takes it."""
        return f"{self.host}:{self.port}"

    def create_bucket(self, prefix: str = "lake") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def environment(self, bucket: str, prefix: str = "lake") -> dict[str, str]:
        """The settings that put a lake's data files in ``s3://bucket/prefix/`` on this store."""
        return {
            "ZHONGTAI_LAKE_DATA_PATH": f"s3://{bucket}/{prefix}/",
            "ZHONGTAI_S3_ENDPOINT": self.endpoint,
            "ZHONGTAI_S3_REGION": _REGION,
            "ZHONGTAI_S3_ACCESS_KEY_ID": _KEY_ID,
            "ZHONGTAI_S3_SECRET_ACCESS_KEY": _SECRET,
            "ZHONGTAI_S3_URL_STYLE": "path",
            "ZHONGTAI_S3_USE_SSL": "false",
        }

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object key in ``bucket`` under ``prefix``, sorted."""
        keys: list[str] = []
        for page in (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        ):
            keys.extend(str(item["Key"]) for item in page.get("Contents", []))
        return sorted(keys)


@contextmanager
def moto_store(log: Path) -> Iterator[LoopbackStore]:
    """``moto_server`` on a free loopback port until the block ends; its output in ``log``."""
    found = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError(
            "moto_server is not installed (dev dependency moto[server]): make install"
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [found, "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "false"},
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited: {log.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not listen in 30 s") from None
                time.sleep(0.1)
        yield LoopbackStore("127.0.0.1", port, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
