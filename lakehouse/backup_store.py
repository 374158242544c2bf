"""The lake's data path as a place to list, copy out of and copy into: a local folder or an
S3-compatible bucket and prefix, behind one small interface.

DuckLake keeps each data and delete file's path relative to the data path, so a file's key
below the data path is all a backup needs to put it back anywhere. Listing returns every object
under the data path; reads and writes stream (a lake file may be large) and hash as they go.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from catalog.errors import NotReady
from catalog.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["DataStore", "LocalStore", "S3Store", "store_for"]


class DataStore(Protocol):
    def keys(self) -> list[str]:
        """Every file's key below the data path, sorted."""
        ...

    def fetch(self, key: str, target: Path) -> None: ...

    def put(self, key: str, source: Path) -> None: ...

    def clear(self) -> int:
        """Remove every file below the data path; how many there were."""
        ...

    def describe(self) -> str: ...


def _relative(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a plain relative key: {key!r}")
    return key


@dataclass(frozen=True)
class LocalStore:
    root: Path

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def fetch(self, key: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.root / _relative(key), target)

    def put(self, key: str, source: Path) -> None:
        target = self.root / _relative(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def clear(self) -> int:
        count = len(self.keys())
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        return count

    def describe(self) -> str:
        return str(self.root)


@dataclass(frozen=True)
class S3Store:
    client: S3Client
    bucket: str
    prefix: str
    """Ends with ``/`` (or is empty: the whole bucket)."""

    def _objects(self) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    yield str(item["Key"])
        except (BotoCoreError, ClientError) as exc:
            raise NotReady(
                f"the object store cannot list {self.describe()}: {exc} (check the bucket "
                "exists and ZHONGTAI_S3_* reach it)",
                code="backup.object_store",
            ) from None

    def keys(self) -> list[str]:
        return sorted(k.removeprefix(self.prefix) for k in self._objects())

    def fetch(self, key: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        self.client.download_file(self.bucket, self.prefix + _relative(key), str(target))

    def put(self, key: str, source: Path) -> None:
        self.client.upload_file(str(source), self.bucket, self.prefix + _relative(key))

    def clear(self) -> int:
        keys = list(self._objects())
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": chunk})  # type: ignore[typeddict-item]
        return len(keys)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def store_for(settings: Settings) -> DataStore:
    """The store behind the settings' lake data path (credentials as ``lakehouse.connection``
    gives them to DuckDB)."""
    data_path = settings.resolved_lake_data_path
    if not data_path.startswith("s3://"):
        if "://" in data_path:
            raise ValueError(f"a backup cannot read the lake data path {data_path}")
        return LocalStore(Path(data_path))
    import boto3
    from botocore.config import Config

    bucket, _, prefix = data_path.removeprefix("s3://").partition("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    scheme = "https" if settings.s3_use_ssl else "http"
    client = boto3.client(
        "s3",
        endpoint_url=f"{scheme}://{settings.s3_endpoint}" if settings.s3_endpoint else None,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id or None,
        aws_secret_access_key=settings.s3_secret_access_key or None,
        config=Config(
            s3={"addressing_style": "path" if settings.s3_url_style == "path" else "virtual"}
        ),
    )
    return S3Store(client, bucket, prefix)
