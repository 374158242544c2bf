"""Delivery manifests are signed with the audit key: a receiving department proves what it
received with the file, the manifest and the platform's public key — and nothing it edits
passes. Bulk extracts over HTTP, and subscription deliveries to a folder."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from catalog.audit_chain import fingerprint, public_pem
from catalog.audit_keys import store_of, trusted
from catalog.manifest_signing import sign_manifest, verify_delivery
from exchange_api.cli import app
from exchange_api.demo import DATASET
from lakehouse.subscription_files import MANIFEST
from tests.exchange_api.conftest import Platform
from tests.lakehouse.subscription_world import World, world

__all__ = ["world"]  # the subscription fixture

runner = CliRunner()


def _bulk(platform: Platform, tmp_path: Path) -> tuple[dict[str, object], Path]:
    response = platform.client.get(
        f"/api/v1/datasets/{DATASET}/bulk",
        headers=platform.headers("rsj-exchange"),
        params={"format": "csv"},
    )
    assert response.status_code == 200, response.text
    manifest = json.loads(base64.urlsafe_b64decode(response.headers["x-zhongtai-manifest"]))
    received = tmp_path / "extract.csv"
    received.write_bytes(response.content)
    return manifest, received


def test_a_bulk_extract_comes_with_a_signed_manifest(platform: Platform, tmp_path: Path) -> None:
    manifest, received = _bulk(platform, tmp_path)
    keys = trusted(platform.settings)
    assert manifest["sha256"] == response_digest(received)
    assert manifest["signature"]["key_fingerprint"] in keys  # type: ignore[index]
    assert verify_delivery(manifest, keys, received) is None

    edited = {**manifest, "row_count": int(manifest["row_count"]) + 1}  # type: ignore[call-overload]
    assert "does not verify" in str(verify_delivery(edited, keys))
    received.write_bytes(received.read_bytes() + b"\n")
    assert "does not have the SHA-256" in str(verify_delivery(manifest, keys, received))
    stranger = Ed25519PrivateKey.generate().public_key()
    assert "not trusted" in str(verify_delivery(manifest, {fingerprint(stranger): stranger}))
    forged = sign_manifest(manifest, Ed25519PrivateKey.generate())
    assert "not trusted" in str(verify_delivery(forged, keys))


def response_digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_receiver_checks_it_from_a_terminal(platform: Platform, tmp_path: Path) -> None:
    manifest, received = _bulk(platform, tmp_path)
    kept = tmp_path / "extract.csv.manifest.json"
    kept.write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    public = store_of(platform.settings).public_path
    args = ["exchange", "verify-manifest", str(kept), "--trust", str(public)]
    ok = runner.invoke(app, [*args, "--file", str(received)])
    assert ok.exit_code == 0, ok.output
    assert "manifest verified" in ok.output
    received.write_bytes(b"citizen_id\n")
    bad = runner.invoke(app, [*args, "--file", str(received)])
    assert bad.exit_code == 1 and "NOT verified" in bad.output
    stranger = tmp_path / "stranger.pub.pem"
    stranger.write_bytes(public_pem(Ed25519PrivateKey.generate().public_key()))
    untrusted = runner.invoke(
        app, ["exchange", "verify-manifest", str(kept), "--trust", str(stranger)]
    )
    assert untrusted.exit_code == 1 and "not trusted" in untrusted.output


def test_a_subscription_delivery_is_signed(world: World) -> None:
    target = f"signed-{uuid.uuid4().hex[:6]}"
    sub = world.subscribe(world.grant(), "folder", target).subscription
    [outcome] = world.deliver(sub.id)
    assert outcome.status == "delivered"
    folders = list(world.settings.resolved_drop_root.rglob(MANIFEST))
    [path] = [p for p in folders if target in str(p)]
    manifest = json.loads(path.read_bytes())
    keys = trusted(world.settings)
    [part] = [p for p in sorted(path.parent.iterdir()) if p.name.startswith("part-0")]
    assert verify_delivery(manifest, keys, part) is None
    manifest["total_rows"] = int(manifest["total_rows"]) - 1
    assert "does not verify" in str(verify_delivery(manifest, keys))
