"""The audit chain after real catalog activity: verification, tampering, signatures, concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit
from catalog.db import init_catalog
from catalog.events import CheckpointSigned, GrantRevoked
from catalog.models import AuditCheckpoint, AuditEvent
from catalog.requests import approve_request, file_request, refuse_request
from schemas import ShareType, load_elements
from tests.catalog import factories


def _lifecycle(session: Session, directory: Path) -> None:
    """All three share types through filing and decision: a realistic run of audit events."""
    for share_type in ShareType:
        ex = factories.exchange(session, directory, share_type)
        request = file_request(
            session, ex.requester.principal, ex.dataset.code, ["period", "amount"], "用途"
        )
        if share_type is ShareType.CONDITIONAL:
            approve_request(session, ex.publisher.principal, request.id, reason="同意")
            second = file_request(
                session, ex.requester.principal, ex.dataset.code, ["region"], "再"
            )
            refuse_request(session, ex.publisher.principal, second.id, reason="不必要")
    session.commit()


def _trust(key: Ed25519PrivateKey) -> dict[str, Ed25519PublicKey]:
    return {audit.public_key_fingerprint(key.public_key()): key.public_key()}


def _engine(factory: sessionmaker[Session]) -> Engine:
    engine: Engine = factory.kw["bind"]
    return engine


def _drop_append_only_trigger(session: Session) -> None:
    """What a DBA with the owner's rights could do: the chain must still give the game away."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        session.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))


def test_chain_verifies_after_lifecycle(catalog_session: Session, tmp_path: Path) -> None:
    _lifecycle(catalog_session, tmp_path)
    report = audit.verify_chain(catalog_session)
    assert report.ok, report.describe()
    assert report.events_checked == audit.event_count(catalog_session)
    # 3 registrations, 4 filings, 4 decisions, 2 grants issued; and the platform seeding the
    # shipped data elements and code lists as the first contract was registered
    actions = [
        e.action for e in catalog_session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]
    seeded = [a for a in actions if a in ("element.added", "code_list.added")]
    assert seeded.count("element.added") == len(load_elements())
    assert report.events_checked == 13 + len(seeded)
    assert report.head_hash == audit.head(catalog_session)[1]


def test_altered_detail_is_named(catalog_factory: sessionmaker[Session], tmp_path: Path) -> None:
    with catalog_factory() as session:
        _lifecycle(session, tmp_path)
        victim = session.scalars(
            select(AuditEvent.id).where(AuditEvent.action == "request.decided").limit(1)
        ).one()
    with catalog_factory() as session, session.begin():
        _drop_append_only_trigger(session)
        if session.get_bind().dialect.name == "sqlite":
            forge = "UPDATE audit_events SET detail = json_set(detail, '$.reason', 'forged') "
        else:
            forge = (
                "UPDATE audit_events SET detail = "
                "jsonb_set(detail::jsonb, '{reason}', '\"forged\"')::json "
            )
        result = session.execute(text(forge + "WHERE id = :id"), {"id": victim})
        assert result.rowcount == 1  # type: ignore[attr-defined]
    with catalog_factory() as session:
        assert session.get(AuditEvent, victim).detail["reason"] == "forged"  # type: ignore[union-attr]
        report = audit.verify_chain(session)
    assert not report.ok
    assert report.first_bad_event_id == victim
    assert "altered" in report.reason


def test_deleted_row_is_detected(catalog_factory: sessionmaker[Session], tmp_path: Path) -> None:
    with catalog_factory() as session:
        _lifecycle(session, tmp_path)
    with catalog_factory() as session, session.begin():
        _drop_append_only_trigger(session)
        session.execute(text("DELETE FROM audit_events WHERE id = 5"))
    with catalog_factory() as session:
        report = audit.verify_chain(session)
    assert not report.ok
    assert report.first_bad_event_id == 5
    assert "missing" in report.reason


def test_deleted_tail_is_caught_by_checkpoint(
    catalog_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    with catalog_factory() as session:
        _lifecycle(session, tmp_path)
        checkpoint = audit.sign_checkpoint(session, key)
        assert checkpoint is not None
        session.commit()
        signed_id = checkpoint.last_event_id
        last_id = audit.head(session)[0]
    with catalog_factory() as session, session.begin():
        _drop_append_only_trigger(session)
        session.execute(text("DELETE FROM audit_events WHERE id >= :id"), {"id": signed_id})
    with catalog_factory() as session:
        report = audit.verify_chain(session, _trust(key))
    assert last_id == signed_id + 1  # the checkpoint's own audit event follows it
    assert not report.ok
    assert report.first_bad_event_id == signed_id


def test_checkpoint_sign_and_verify(catalog_session: Session, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    assert audit.sign_checkpoint(catalog_session, key) is None  # nothing to sign yet
    _lifecycle(catalog_session, tmp_path)
    head_id, head_hash = audit.head(catalog_session)
    checkpoint = audit.sign_checkpoint(catalog_session, key)
    catalog_session.commit()
    assert checkpoint is not None
    assert (checkpoint.last_event_id, checkpoint.last_hash) == (head_id, head_hash)
    assert checkpoint.public_key_fingerprint == audit.public_key_fingerprint(key.public_key())

    stored = catalog_session.scalars(select(AuditCheckpoint)).one()
    assert audit.verify_checkpoint_signature(stored, key.public_key())
    assert not audit.verify_checkpoint_signature(stored, Ed25519PrivateKey.generate().public_key())
    report = audit.verify_chain(catalog_session, _trust(key))
    assert report.ok and report.events_checked == head_id + 1
    assert report.checkpoints_checked == 1 and report.last_signed_event_id == head_id
    signed_event = catalog_session.get(AuditEvent, head_id + 1)
    assert signed_event is not None and signed_event.action == CheckpointSigned.action


@dataclass(frozen=True)
class SignedCheckpoint:
    last_event_id: int
    last_hash: str
    signature: str
    public_key: Ed25519PublicKey

    def copy(self, **changes: object) -> AuditCheckpoint:
        values: dict[str, object] = {
            "last_event_id": self.last_event_id,
            "last_hash": self.last_hash,
            "signature": self.signature,
        } | changes
        return AuditCheckpoint(public_key_fingerprint="", **values)


@pytest.fixture(scope="module")
def signed_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignedCheckpoint]:
    """One checkpoint signed over a real (SQLite) chain, shared by the property tests."""
    directory = tmp_path_factory.mktemp("checkpoint")
    factory = init_catalog(f"sqlite:///{directory / 'catalog.sqlite'}")
    key = Ed25519PrivateKey.generate()
    with factory() as session:
        for n in range(3):
            audit.record(session, GrantRevoked(grant_id=n, reason=f"r{n}"))
        checkpoint = audit.sign_checkpoint(session, key)
        assert checkpoint is not None
        session.commit()
        yield SignedCheckpoint(
            checkpoint.last_event_id, checkpoint.last_hash, checkpoint.signature, key.public_key()
        )
    factory.kw["bind"].dispose()


def _flip(hex_text: str, index: int, bit: int) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[index % len(raw)] ^= 1 << bit
    return raw.hex()


def test_untampered_checkpoint_verifies(signed_checkpoint: SignedCheckpoint) -> None:
    assert audit.verify_checkpoint_signature(signed_checkpoint.copy(), signed_checkpoint.public_key)


@given(index=st.integers(min_value=0, max_value=31), bit=st.integers(min_value=0, max_value=7))
def test_flipped_byte_in_signed_hash_fails(
    signed_checkpoint: SignedCheckpoint, index: int, bit: int
) -> None:
    forged = signed_checkpoint.copy(last_hash=_flip(signed_checkpoint.last_hash, index, bit))
    assert not audit.verify_checkpoint_signature(forged, signed_checkpoint.public_key)


@given(index=st.integers(min_value=0, max_value=63), bit=st.integers(min_value=0, max_value=7))
def test_flipped_byte_in_signature_fails(
    signed_checkpoint: SignedCheckpoint, index: int, bit: int
) -> None:
    forged = signed_checkpoint.copy(signature=_flip(signed_checkpoint.signature, index, bit))
    assert not audit.verify_checkpoint_signature(forged, signed_checkpoint.public_key)


@given(other_id=st.integers(min_value=1, max_value=10**9))
def test_checkpoint_bound_to_its_event_id(
    signed_checkpoint: SignedCheckpoint, other_id: int
) -> None:
    forged = signed_checkpoint.copy(last_event_id=other_id)
    expected = other_id == signed_checkpoint.last_event_id
    assert audit.verify_checkpoint_signature(forged, signed_checkpoint.public_key) is expected


@pytest.mark.postgres
def test_concurrent_appends_never_fork_the_chain(postgresql_url: str) -> None:
    factory = init_catalog(postgresql_url)
    writers, per_writer = 4, 15
    barrier = threading.Barrier(writers)
    lost: list[BaseException] = []
    written: list[int] = []
    lock = threading.Lock()

    def append(writer: int) -> None:
        barrier.wait()
        for n in range(per_writer):
            while True:  # a loser of the race may be told so; it retries, as a caller would
                try:
                    with factory() as session, session.begin():
                        event = audit.record(session, GrantRevoked(grant_id=writer, reason=str(n)))
                        event_id = event.id
                    break
                except (IntegrityError, DBAPIError) as exc:  # pragma: no cover - lock makes rare
                    with lock:
                        lost.append(exc)
            with lock:
                written.append(event_id)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    try:
        assert sorted(written) == list(range(1, writers * per_writer + 1))
        with factory() as session:
            report = audit.verify_chain(session)
            assert report.ok, report.describe()
            assert report.events_checked == writers * per_writer
            hashes = session.scalars(select(AuditEvent.prev_hash)).all()
            assert len(set(hashes)) == len(hashes)  # no two events claim the same parent
    finally:
        _engine(factory).dispose()


@pytest.mark.postgres
def test_second_writer_waits_for_the_first(postgresql_url: str) -> None:
    """While one transaction holds the head, another append blocks rather than forking."""
    factory = init_catalog(postgresql_url)
    started, finished = threading.Event(), threading.Event()
    result: list[int] = []

    def second_writer() -> None:
        with factory() as other, other.begin():
            started.set()
            result.append(audit.record(other, GrantRevoked(grant_id=2, reason="b")).id)
        finished.set()

    try:
        with factory() as first, first.begin():
            audit.record(first, GrantRevoked(grant_id=1, reason="a"))
            thread = threading.Thread(target=second_writer)
            thread.start()
            assert started.wait(10)
            assert not finished.wait(0.5)  # blocked behind the first transaction
        thread.join(10)
        assert result == [2]
        with factory() as session:
            assert audit.verify_chain(session).ok
    finally:
        _engine(factory).dispose()
