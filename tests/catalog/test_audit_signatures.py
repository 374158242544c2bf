"""Checkpoint signatures are verified against trusted keys; keys are made and rotated only by
audited acts; a missing key is never made on the side outside development and test.

Regression tests for issue 10's defects 1 (a chain re-signed with a fresh key said "OK": the
signature was never checked, and checkpoints could be deleted) and 2 (a missing key was created
silently in any environment, and nothing compared its fingerprint with a trusted one).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit
from catalog.audit_chain import canonical_json, fingerprint, link_hash
from catalog.audit_events import KeyCreated, KeyRotated
from catalog.audit_keys import (
    checkpoint_policy,
    create_key,
    require_key,
    rotate_key,
    signing_key,
    trusted,
)
from catalog.errors import AccessRefused, Conflict, InvalidInput, NotReady
from catalog.events import GrantRevoked
from catalog.keystore import FileKeyStore, MemoryKeyStore
from catalog.models import AuditCheckpoint, AuditEvent, Role
from catalog.principals import SYSTEM, Principal
from catalog.settings import Settings

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
AUDITOR = Principal(
    account_id=7,
    department_id=1,
    department_code="SJJ",
    roles=frozenset({Role.AUDITOR}),
)


def _trust(*keys: Ed25519PrivateKey) -> dict[str, Ed25519PublicKey]:
    return {fingerprint(k.public_key()): k.public_key() for k in keys}


def _events(session: Session, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        audit.record(session, GrantRevoked(grant_id=n, reason=f"第{n}次"), now=NOW)


def _drop_guards(session: Session) -> None:
    """What an operator with the catalog owner's rights can do."""
    if session.get_bind().dialect.name == "sqlite":
        for trigger in (
            "audit_events_no_update",
            "audit_events_no_delete",
            "audit_checkpoints_no_update",
            "audit_checkpoints_no_delete",
        ):
            session.execute(text(f"DROP TRIGGER {trigger}"))
    else:
        session.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        session.execute(text("DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints"))


def _rewrite_from(session: Session, first_id: int, reason: str) -> None:
    """Edit event ``first_id`` and recompute every hash after it, as a forger would."""
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    prev = audit.GENESIS_HASH
    for event in events:
        if event.id == first_id:
            event.detail = {**event.detail, "reason": reason}
        if event.id >= first_id:
            event.prev_hash = prev
            body = canonical_json(audit.event_body(event))
            event.hash = link_hash(event.id, prev, body, event.format)
        prev = event.hash
    session.flush()


def test_a_chain_re_signed_with_a_fresh_key_fails(catalog_factory: sessionmaker[Session]) -> None:
    platform_key, forger_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with catalog_factory() as session:
        _events(session, 5)
        audit.sign_checkpoint(session, platform_key, now=NOW)
        _events(session, 3, start=5)
        audit.sign_checkpoint(session, platform_key, now=NOW)
        session.commit()
        assert audit.verify_chain(session, _trust(platform_key)).ok
    with catalog_factory() as session, session.begin():
        _drop_guards(session)
        _rewrite_from(session, 2, "篡改")
        session.execute(text("DELETE FROM audit_checkpoints"))
        for event_id in (6, 10):
            event = session.get(AuditEvent, event_id)
            assert event is not None
            session.add(
                AuditCheckpoint(
                    last_event_id=event_id,
                    last_hash=event.hash,
                    public_key_fingerprint=fingerprint(forger_key.public_key()),
                    signature=forger_key.sign(audit.checkpoint_message(event_id, event.hash)).hex(),
                )
            )
    with catalog_factory() as session:
        report = audit.verify_chain(session, _trust(platform_key))
    # Every hash links up: only the signatures give the forgery away.
    assert report.events_checked == 10
    assert not report.ok
    assert report.damage == "unknown_key"
    assert fingerprint(forger_key.public_key())[:16] in report.reason
    assert "not a trusted key" in report.describe()


def test_a_checkpoint_claiming_the_trusted_fingerprint_but_signed_by_another_key_fails(
    catalog_session: Session,
) -> None:
    platform_key, forger_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    _events(catalog_session, 3)
    head_id, head_hash = audit.head(catalog_session)
    catalog_session.add(
        AuditCheckpoint(
            last_event_id=head_id,
            last_hash=head_hash,
            public_key_fingerprint=fingerprint(platform_key.public_key()),
            signature=forger_key.sign(audit.checkpoint_message(head_id, head_hash)).hex(),
        )
    )
    catalog_session.flush()
    report = audit.verify_chain(catalog_session, _trust(platform_key))
    assert not report.ok and report.damage == "bad_signature"
    assert report.first_bad_event_id == head_id


def test_a_rewrite_under_an_old_checkpoint_is_located_between_checkpoints(
    catalog_factory: sessionmaker[Session],
) -> None:
    key = Ed25519PrivateKey.generate()
    with catalog_factory() as session:
        _events(session, 4)
        audit.sign_checkpoint(session, key, now=NOW)  # signs event 4; its own event is 5
        _events(session, 4, start=4)  # 6..9
        audit.sign_checkpoint(session, key, now=NOW)  # signs 9
        session.commit()
    with catalog_factory() as session, session.begin():
        _drop_guards(session)
        _rewrite_from(session, 7, "改")
    with catalog_factory() as session:
        report = audit.verify_chain(session, _trust(key))
    assert not report.ok and report.damage == "rewritten"
    assert report.first_bad_event_id == 9
    assert "after 4 and up to 9" in report.reason


def test_no_trusted_key_fails_closed(catalog_session: Session) -> None:
    _events(catalog_session, 2)
    audit.sign_checkpoint(catalog_session, Ed25519PrivateKey.generate(), now=NOW)
    report = audit.verify_chain(catalog_session)
    assert not report.ok and report.damage == "unknown_key"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_checkpoints SET signature = 'forged' WHERE id = 1",
        "DELETE FROM audit_checkpoints WHERE id = 1",
    ],
)
def test_checkpoints_are_append_only(
    catalog_factory: sessionmaker[Session], statement: str
) -> None:
    with catalog_factory() as session:
        _events(session, 2)
        audit.sign_checkpoint(session, Ed25519PrivateKey.generate(), now=NOW)
        session.commit()
    with catalog_factory() as session:
        with pytest.raises(DatabaseError, match="audit_checkpoints is append-only"):
            session.execute(text(statement))
        session.rollback()
        assert len(session.scalars(select(AuditCheckpoint)).all()) == 1


# --- keys: made and rotated only by audited acts ---------------------------------------------


def test_create_and_rotate_are_audited_and_trust_follows_the_endorsements(
    catalog_session: Session,
) -> None:
    store = MemoryKeyStore()
    first = create_key(catalog_session, store, SYSTEM, now=NOW)
    _events(catalog_session, 3)
    audit.sign_checkpoint(catalog_session, store.signing_key(), now=NOW)
    rotation = rotate_key(catalog_session, store, SYSTEM, reason="年度轮换", now=NOW)
    _events(catalog_session, 2, start=3)
    audit.sign_checkpoint(catalog_session, store.signing_key(), now=NOW)

    actions = catalog_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[0] == KeyCreated.action
    assert KeyRotated.action in actions
    rotated = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == KeyRotated.action)
    ).one()
    assert rotated.detail["old_fingerprint"] == first.fingerprint
    assert rotated.detail["new_fingerprint"] == rotation.new.fingerprint
    assert rotated.detail["reason"] == "年度轮换"

    anchors = {first.fingerprint: first.public_key}
    keys = trusted(Settings(), store, pinned=anchors)
    assert set(keys) == {first.fingerprint, rotation.new.fingerprint}
    report = audit.verify_chain(catalog_session, keys)
    assert report.ok, report.describe()
    assert report.checkpoints_checked == 4  # before and after the rotation, and ours
    assert set(report.signers) == {first.fingerprint, rotation.new.fingerprint}
    # Trusting only the new key does not vouch for what the old key signed.
    newer = {rotation.new.fingerprint: rotation.new.public_key}
    assert audit.verify_chain(catalog_session, newer).damage == "unknown_key"


def test_a_forged_endorsement_is_not_trusted() -> None:
    store = MemoryKeyStore()
    first = store.create()
    rotation = store.rotate()
    forged = type(rotation.new)(rotation.new.public_key, first.fingerprint, "00" * 64)
    from catalog.audit_chain import trusted_keys

    keys, notes = trusted_keys([first, forged], {first.fingerprint: first.public_key})
    assert set(keys) == {first.fingerprint}
    assert notes and "does not verify" in notes[0]


def test_only_admins_and_the_platform_manage_the_key(catalog_session: Session) -> None:
    store = MemoryKeyStore()
    with pytest.raises(AccessRefused) as refused:
        create_key(catalog_session, store, AUDITOR)
    assert refused.value.code == "role.admin_required"
    assert not store.exists()
    create_key(catalog_session, store, SYSTEM)
    with pytest.raises(Conflict) as twice:
        create_key(catalog_session, store, SYSTEM)
    assert twice.value.code == "key.exists"
    with pytest.raises(InvalidInput):
        rotate_key(catalog_session, store, SYSTEM, reason="  ")


def test_file_store_keeps_the_key_private_and_its_history(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys" / "audit_ed25519.pem")
    first = store.create()
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    rotation = store.rotate()
    assert [e.fingerprint for e in store.public_keys()] == [
        first.fingerprint,
        rotation.new.fingerprint,
    ]
    history = json.loads(store.history_path.read_text())
    assert history[1]["endorsed_by"] == first.fingerprint
    assert fingerprint(store.signing_key().public_key()) == rotation.new.fingerprint
    store.path.chmod(0o644)
    with pytest.raises(NotReady) as insecure:
        store.signing_key()
    assert insecure.value.code == "key.insecure"


def test_production_never_makes_a_key_on_the_side(catalog_session: Session, tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, environment="production", secret_key="s3cr3t-for-tests")
    store = FileKeyStore(settings.resolved_audit_signing_key)
    with pytest.raises(NotReady) as missing:
        signing_key(catalog_session, store, settings)
    assert missing.value.code == "key.missing"
    assert "zhongtai audit key create" in missing.value.message
    with pytest.raises(NotReady):
        require_key(settings)  # the service refuses to start
    assert not store.path.exists()
    assert audit.event_count(catalog_session) == 0


def test_development_makes_the_key_on_first_use_and_says_so(
    catalog_session: Session, tmp_path: Path
) -> None:
    settings = Settings(var_dir=tmp_path, environment="development")
    store = FileKeyStore(settings.resolved_audit_signing_key)
    key = signing_key(catalog_session, store, settings)
    event = catalog_session.scalars(select(AuditEvent)).one()
    assert event.action == KeyCreated.action
    assert event.detail["automatic"] is True
    assert event.detail["fingerprint"] == fingerprint(key.public_key())
    assert signing_key(catalog_session, store, settings) is not None  # loaded, not made again
    assert audit.event_count(catalog_session) == 1


def test_the_policy_signs_checkpoints_in_rhythm(catalog_session: Session, tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path, environment="test", audit_checkpoint_every=5, audit_checkpoint_minutes=60
    )
    store = MemoryKeyStore()
    store.create()
    catalog_session.info[audit.POLICY_KEY] = checkpoint_policy(settings, store)
    _events(catalog_session, 11)  # ids 1-5, 7-10, 12-13: each checkpoint's own event between
    checkpoints = catalog_session.scalars(select(AuditCheckpoint)).all()
    assert [c.last_event_id for c in checkpoints] == [5, 10]
    later = NOW + dt.timedelta(minutes=61)
    audit.record(catalog_session, GrantRevoked(grant_id=99, reason="later"), now=later)  # id 14
    checkpoints = catalog_session.scalars(select(AuditCheckpoint)).all()
    assert [c.last_event_id for c in checkpoints] == [5, 10, 14]  # by time, not by count
    keys = {e.fingerprint: e.public_key for e in store.public_keys()}
    report = audit.verify_chain(catalog_session, keys)
    assert report.ok and report.checkpoints_checked == 3


def test_two_processes_making_the_key_at_once_agree_on_one(tmp_path: Path) -> None:
    """Two workers of a development server meet a missing key together: one makes it, the
    other is told it exists and loads the same key — never a second key over the first."""
    import threading

    path = tmp_path / "keys" / "audit_ed25519.pem"
    made: list[str] = []
    refused: list[str] = []
    barrier = threading.Barrier(8)

    def make() -> None:
        barrier.wait()
        try:
            made.append(FileKeyStore(path).create().fingerprint)
        except Conflict as exc:
            refused.append(exc.code)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and refused == ["key.exists"] * 7
    assert fingerprint(FileKeyStore(path).signing_key().public_key()) == made[0]
    assert [e.fingerprint for e in FileKeyStore(path).public_keys()] == made
