"""Evidence bundles over HTTP and in the portal, against the real app on the demo platform: an
auditor downloads the bundle as one ZIP whose hand-over is on the record (with the ZIP's SHA-256)
before a byte is sent, and ``zhongtai audit verify BUNDLE.zip`` verifies it offline against the
pinned key — and fails, naming the event, once a line inside is edited. Everyone else is refused
and recorded; hostile bodies get problem+json with a stable code; nothing is left in the spool."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exchange_api.cli import app
from exchange_api.portal.forms import csrf_for
from tests.exchange_api.conftest import Platform
from tests.portal.portal_browsers import browser, events, post

AUDIT, ADMIN, SWJ = "dsj-audit", "dsj-admin", "swj-exchange"
URL = "/api/v1/audit/evidence"
PAGE = "/portal/audit/evidence"
runner = CliRunner()


def _spool(platform: Platform) -> list[Path]:
    folder = Path(platform.settings.var_dir) / "spool" / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


def _public_key(platform: Platform) -> Path:
    return platform.settings.resolved_audit_signing_key.with_suffix(".pub.pem")


def _verify(path: Path, platform: Platform) -> tuple[int, str]:
    done = runner.invoke(app, ["audit", "verify", str(path), "--trust", str(_public_key(platform))])
    return done.exit_code, done.output


def test_an_auditor_downloads_a_bundle_that_verifies_offline(
    platform: Platform, tmp_path: Path
) -> None:
    got = platform.client.post(URL, json={}, headers=platform.headers(AUDIT))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    name = got.headers["content-disposition"].split('filename="')[1].rstrip('"')
    assert name.startswith("zhongtai-evidence-1-") and name.endswith(".zip")
    digest = hashlib.sha256(got.content).hexdigest()
    assert got.headers["x-content-sha256"] == digest
    exported = events(platform, "audit.evidence_exported")
    [event] = [e for e in exported if e["archive_sha256"] == digest]
    assert event["manifest_sha256"] == got.headers["x-zhongtai-manifest-sha256"]
    first, last = got.headers["x-zhongtai-events"].split("-")
    assert (event["first_event_id"], event["last_event_id"]) == (int(first), int(last))
    assert _spool(platform) == []  # the work folder went once the ZIP was sent

    saved = tmp_path / name
    saved.write_bytes(got.content)
    code, output = _verify(saved, platform)
    assert code == 0, output
    assert "OK" in output

    # A line edited inside the ZIP (the ZIP itself rebuilt, so it is a well-formed archive).
    with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    [ndjson] = [n for n in members if n.endswith("events.ndjson")]
    lines = members[ndjson].splitlines(keepends=True)
    lines[2] = lines[2].replace(b'"outcome":"ok"', b'"outcome":"refused"', 1)
    assert lines[2] != members[ndjson].splitlines(keepends=True)[2]
    members[ndjson] = b"".join(lines)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    code, output = _verify(forged, platform)
    assert code == 1 and "event 3" in output, output

    not_a_bundle = tmp_path / "notes.zip"
    with zipfile.ZipFile(not_a_bundle, "w") as zf:
        zf.writestr("notes/readme.txt", "x")
    code, output = _verify(not_a_bundle, platform)
    assert code == 2 and "not a file of an evidence bundle" in output


def test_a_period_narrows_the_bundle(platform: Platform) -> None:
    got = platform.client.post(
        URL, json={"from": "2020-01-01", "to": "2020-01-31"}, headers=platform.headers(AUDIT)
    )
    assert got.status_code == 422
    assert got.headers["content-type"].startswith("application/problem+json")
    assert got.json()["code"] == "evidence.empty"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"from": "2026-02-30"}, "evidence.bad_date"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "evidence.bad_period"),
        ({"from": "2026-11-01", "grant_id": 1}, "request.invalid"),
        ({"from": "2026-11-01\u0000"}, "request.invalid"),
        ({"to": "x" * 11}, "request.invalid"),
    ],
)
def test_a_bad_body_is_problem_json(platform: Platform, body: dict[str, object], code: str) -> None:
    got = platform.client.post(URL, json=body, headers=platform.headers(AUDIT))
    assert got.status_code == 422, got.text
    assert got.headers["content-type"].startswith("application/problem+json")
    assert got.json()["code"] == code
    assert _spool(platform) == []


@pytest.mark.parametrize("account", [ADMIN, SWJ, None])
def test_no_one_but_an_auditor_gets_a_bundle(platform: Platform, account: str | None) -> None:
    before = len(events(platform, "audit.evidence_exported"))
    refusals = len(events(platform, "access.refused"))
    headers = platform.headers(account) if account else {}
    got = platform.client.post(URL, json={}, headers=headers)
    assert got.status_code == (403 if account else 401), got.text
    assert got.headers["content-type"].startswith("application/problem+json")
    assert not got.content.startswith(b"PK")
    if account:
        assert got.json()["code"] == "role.auditor_required"
        assert events(platform, "access.refused")[-1]["code"] == "role.auditor_required"
        assert len(events(platform, "access.refused")) == refusals + 1
    assert len(events(platform, "audit.evidence_exported")) == before
    assert _spool(platform) == []


def test_the_portal_page_exports_the_same_bundle(platform: Platform, tmp_path: Path) -> None:
    auditor = browser(platform, AUDIT)
    page = auditor.get(PAGE)
    assert page.status_code == 200, page.text
    assert "审计证据包" in page.text and 'id="evidence-form"' in page.text
    assert 'href="/portal/audit/evidence?lang=zh"' in page.text  # in the navigation
    english = auditor.get(PAGE + "?lang=en")
    assert "Audit evidence bundles" in english.text and "审计证据包" not in english.text

    got = post(auditor, PAGE, PAGE, date_from="", date_to="")
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"].startswith("attachment;")
    digest = hashlib.sha256(got.content).hexdigest()
    assert got.headers["x-content-sha256"] == digest
    saved = tmp_path / "portal.zip"
    saved.write_bytes(got.content)
    code, output = _verify(saved, platform)
    assert code == 0, output
    listed = auditor.get(PAGE).text
    assert f'data-archive="{digest}"' in listed  # the page lists it, from the log itself

    bad = post(auditor, PAGE, PAGE, date_from="2026-13-40")
    assert bad.status_code == 422 and "evidence.bad_date" in bad.text
    assert _spool(platform) == []


def test_the_portal_refuses_everyone_else(platform: Platform) -> None:
    auditor = browser(platform, AUDIT)
    no_token = auditor.post(PAGE, data={"date_from": ""})
    assert no_token.status_code == 403 and "csrf.invalid" in no_token.text
    assert not no_token.content.startswith(b"PK")
    for account in (ADMIN, SWJ):
        other = browser(platform, account)
        shown = other.get(PAGE)
        assert shown.status_code == 403 and "role.auditor_required" in shown.text
        assert 'href="/portal/audit/evidence' not in other.get("/portal/catalog").text
        token = csrf_for(platform.settings, other.cookies.get("zt_session"))
        assert token  # a genuine token of that session: only the decision stands in the way
        sent = other.post(PAGE, data={"csrf": token, "date_from": ""})
        assert sent.status_code == 403 and not sent.content.startswith(b"PK")
    assert _spool(platform) == []
