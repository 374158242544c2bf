"""The request workflow over HTTP: narrowing, deadlines, objections, withdrawal, renewal,
revocation, and the masked-field probes of issue 8 (defect 1) against the running app."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform

PROBLEM = "application/problem+json"
SWJ, GAJ, RSJ = "swj-exchange", "gaj-exchange", "rsj-exchange"


def _post(platform: Platform, url: str, account: str, body: dict[str, Any]) -> Any:
    return platform.client.post(url, headers=platform.headers(account), json=body)


def _file(platform: Platform, account: str = SWJ, **body: Any) -> dict[str, Any]:
    payload = {"dataset": DATASET, "fields": ["citizen_id", "period", "amount"], "purpose": "核验"}
    response = _post(platform, "/api/v1/requests", account, payload | body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _refusals(platform: Platform, act: str) -> list[AuditEvent]:
    with platform.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused"))
        return [e for e in events if e.detail["act"] == act]


def test_a_pending_request_carries_its_deadline(platform: Platform) -> None:
    filed = _file(platform, account=GAJ)
    assert filed["status"] == "pending"
    assert filed["reply_due_at"] is not None and filed["overdue"] is False
    assert isinstance(filed["reply_due_provisional"], bool)
    # the auditor sees it too (the platform sees every request's state), a stranger never does
    audit = platform.client.get(
        f"/api/v1/requests/{filed['id']}", headers=platform.headers("dsj-audit")
    )
    assert audit.status_code == 200
    overdue = platform.client.get(
        "/api/v1/requests", params={"overdue": "true"}, headers=platform.headers(GAJ)
    )
    assert overdue.status_code == 200 and overdue.json() == []
    withdrawn = _post(platform, f"/api/v1/requests/{filed['id']}/withdraw", GAJ, {})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_another_department_cannot_see_or_touch_a_request(platform: Platform) -> None:
    filed = _file(platform)
    before = len(_refusals(platform, "request.view"))
    for method, url, body in (
        ("get", f"/api/v1/requests/{filed['id']}", None),
        ("post", f"/api/v1/requests/{filed['id']}/withdraw", {}),
    ):
        response = platform.client.request(method, url, headers=platform.headers(GAJ), json=body)
        assert response.status_code == 404, response.text  # not even its existence
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["code"] == "request.not_found"
    assert len(_refusals(platform, "request.view")) == before + 1  # audited
    assert len(_refusals(platform, "request.withdraw")) >= 1
    approve = _post(platform, f"/api/v1/requests/{filed['id']}/approve", SWJ, {})
    assert approve.status_code == 403 and approve.json()["code"] == "request.not_owner"


def test_narrowed_approval_objection_and_revocation(platform: Platform) -> None:
    filed = _file(platform, fields=["citizen_id", "person_name", "period", "amount"])
    wider = _post(
        platform,
        f"/api/v1/requests/{filed['id']}/approve",
        RSJ,
        {"fields": ["citizen_id", "employer_name"]},
    )
    assert wider.status_code == 422 and wider.json()["code"] == "approval.not_narrower"
    refused = _post(
        platform, f"/api/v1/requests/{filed['id']}/refuse", RSJ, {"reason": "请说明法定依据"}
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    objected = _post(
        platform,
        f"/api/v1/requests/{filed['id']}/objections",
        SWJ,
        {"reason": "依据《个人所得税法》第六条"},
    )
    assert objected.status_code == 201, objected.text
    [objection] = objected.json()["objections"]
    assert objection["status"] == "open" and objection["due_at"]
    not_owner = _post(
        platform,
        f"/api/v1/requests/{filed['id']}/objections/{objection['id']}/answer",
        SWJ,
        {"uphold": True, "answer": "自己答复自己"},
    )
    assert not_owner.status_code == 403
    upheld = _post(
        platform,
        f"/api/v1/requests/{filed['id']}/objections/{objection['id']}/answer",
        RSJ,
        {"uphold": True, "answer": "依据充分，重新审查"},
    )
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["status"] == "pending"
    approved = _post(
        platform,
        f"/api/v1/requests/{filed['id']}/approve",
        RSJ,
        {"fields": ["citizen_id", "period"], "quota_rows": 100},
    )
    assert approved.status_code == 200, approved.text
    grant = approved.json()["grant"]
    assert grant["fields"] == ["citizen_id", "period"] and grant["quota_rows"] == 100
    assert grant["expires_at"] is not None  # every grant expires
    params = {"grant_id": grant["id"], "fields": "period", "limit": 5}
    url = f"/api/v1/datasets/{DATASET}/data"
    read = platform.client.get(url, headers=platform.headers(SWJ), params=params)
    assert read.status_code == 200, read.text
    revoke = _post(platform, f"/api/v1/grants/{grant['id']}/revoke", SWJ, {"reason": "x"})
    assert revoke.status_code == 403 and revoke.json()["code"] == "grant.not_owner"
    revoked = _post(platform, f"/api/v1/grants/{grant['id']}/revoke", RSJ, {"reason": "期满"})
    assert revoked.status_code == 200 and revoked.json()["revoke_reason"] == "期满"
    again = platform.client.get(url, headers=platform.headers(SWJ), params=params)
    assert again.status_code == 403 and again.json()["code"] == "grant.revoked"


def test_masked_fields_cannot_be_probed_over_http(platform: Platform) -> None:
    """Issue 8, defect 1, as the demo was attacked: bisecting a masked ID with ge/lt, prefix
    and in. Every probe is refused with field.masked, audited, and no row comes back."""
    filed = _file(platform, fields=["citizen_id", "person_name", "period"])
    approved = _post(platform, f"/api/v1/requests/{filed['id']}/approve", RSJ, {})
    grant_id = approved.json()["grant"]["id"]
    url = f"/api/v1/datasets/{DATASET}/query"
    before = len(_refused_reads(platform))
    probes = [
        {"field": "citizen_id", "op": "ge", "value": "110101"},
        {"field": "citizen_id", "op": "lt", "value": "330106199"},
        {"field": "citizen_id", "op": "prefix", "value": "3301"},
        {"field": "citizen_id", "op": "in", "value": ["330106199001011234"]},
        {"field": "citizen_id", "op": "eq", "value": "330106199001011234"},
        {"field": "person_name", "op": "prefix", "value": "张"},
    ]
    for probe in probes:
        body = {"grant_id": grant_id, "fields": ["period"], "filters": [probe]}
        response = _post(platform, url, SWJ, body)
        assert response.status_code == 403, (probe, response.text)
        assert response.json()["code"] == "field.masked"
        assert "rows" not in response.json()
    assert len(_refused_reads(platform)) == before + len(probes)


def _refused_reads(platform: Platform) -> list[AuditEvent]:
    with platform.sessions() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "data.read_refused"))
        )


def test_renewal_over_http(platform: Platform) -> None:
    filed = _file(platform, account=GAJ, fields=["period"])
    grant = _post(platform, f"/api/v1/requests/{filed['id']}/approve", RSJ, {}).json()["grant"]
    renewal = _post(platform, f"/api/v1/grants/{grant['id']}/renew", GAJ, {})
    assert renewal.status_code == 201, renewal.text
    assert renewal.json()["replaces_grant_id"] == grant["id"]
    assert renewal.json()["status"] == "pending"
    stranger = _post(platform, f"/api/v1/grants/{grant['id']}/renew", SWJ, {})
    assert stranger.status_code == 404 and stranger.json()["code"] == "grant.not_found"


def test_a_match_key_probe_costs_quota_even_when_nothing_matches(platform: Platform) -> None:
    """Defect 1: probes that returned no rows used to cost nothing; now each costs a row."""
    filed = _file(platform, fields=["citizen_id", "period"], match_fields=["citizen_id"])
    approved = _post(platform, f"/api/v1/requests/{filed['id']}/approve", RSJ, {"quota_rows": 3})
    grant = approved.json()["grant"]
    assert grant["match_fields"] == ["citizen_id"]
    url = f"/api/v1/datasets/{DATASET}/query"
    probe = {
        "grant_id": grant["id"],
        "fields": ["period"],
        "filters": [{"field": "citizen_id", "op": "eq", "value": "110101190001010000"}],
    }
    for used in (1, 2, 3):
        response = _post(platform, url, SWJ, probe)
        assert response.status_code == 200, response.text
        assert response.json()["row_count"] == 0
        held = platform.client.get(f"/api/v1/grants/{grant['id']}", headers=platform.headers(SWJ))
        assert held.json()["rows_used"] == used
    exhausted = _post(platform, url, SWJ, probe)
    assert exhausted.status_code == 403 and exhausted.json()["code"] == "quota.exceeded"


def test_share_terms_follow_the_catalog_row_at_once(platform: Platform) -> None:
    """Defect 4: a dataset re-classified as not shared stops serving reads immediately (terms
    are read from the catalog row on every act, never from a contract cached in the process)."""
    from catalog.datasets import get_dataset
    from schemas import ShareType

    filed = _file(platform, account=GAJ, fields=["period"])
    grant = _post(platform, f"/api/v1/requests/{filed['id']}/approve", RSJ, {}).json()["grant"]
    url = f"/api/v1/datasets/{DATASET}/data"
    params = {"grant_id": grant["id"], "limit": 1}
    assert platform.client.get(url, headers=platform.headers(GAJ), params=params).status_code == 200
    with platform.sessions() as session:
        get_dataset(session, DATASET).share_type = ShareType.NOT_SHARED
        session.commit()
    try:
        refused = platform.client.get(url, headers=platform.headers(GAJ), params=params)
        assert refused.status_code == 403 and refused.json()["code"] == "dataset.not_shared"
    finally:
        with platform.sessions() as session:
            get_dataset(session, DATASET).share_type = ShareType.CONDITIONAL
            session.commit()


def test_auditors_list_what_they_may_open(platform: Platform) -> None:
    """Defect 7: auditors got [] from the list but any request by id; now both agree."""
    _file(platform)
    listed = platform.client.get("/api/v1/requests", headers=platform.headers("dsj-audit"))
    assert listed.status_code == 200
    ids = [r["id"] for r in listed.json()]
    assert ids
    for rid in ids[:5]:
        one = platform.client.get(f"/api/v1/requests/{rid}", headers=platform.headers("dsj-audit"))
        assert one.status_code == 200


def _lapsed_grant(platform: Platform) -> int:
    """A grant to SWJ that expired a week ago, approved through the library a month ago."""
    import datetime as dt

    from catalog.models import Account, utcnow
    from catalog.principals import Principal
    from catalog.requests import approve_request, file_request

    then = utcnow() - dt.timedelta(days=30)
    with platform.sessions() as session:

        def who(name: str) -> Principal:
            return Principal.of(session.scalars(select(Account).where(Account.name == name)).one())

        asked = file_request(
            session,
            who(SWJ),
            DATASET,
            ["period"],
            "到期测试",
            expires_at=then + dt.timedelta(days=23),
            now=then,
        )
        grant = approve_request(session, who(RSJ), asked.id, now=then)
        session.commit()
        return grant.id


def test_the_duties_are_run_by_admins_only(platform: Platform) -> None:
    lapsed = _lapsed_grant(platform)
    for path in ("/api/v1/duties/escalate-overdue", "/api/v1/duties/expire-grants"):
        for account in (RSJ, SWJ, "dsj-audit"):  # a steward, a requester, an auditor
            refused = platform.client.post(path, headers=platform.headers(account))
            assert refused.status_code == 403, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["code"] == "role.admin_required"
        ran = platform.client.post(path, headers=platform.headers("dsj-admin"))
        assert ran.status_code == 200 and isinstance(ran.json(), list)
        if path.endswith("expire-grants"):
            assert lapsed in {e["grant_id"] for e in ran.json()}
    assert len(_refusals(platform, "request.escalate")) == 3
    assert len(_refusals(platform, "grant.expire")) == 3
    for account in (SWJ, RSJ):  # both departments see that the expiry is on the record
        shown = platform.client.get(f"/api/v1/grants/{lapsed}", headers=platform.headers(account))
        assert shown.json()["expiry_recorded_at"], shown.text
    listed = platform.client.get("/api/v1/grants", headers=platform.headers(SWJ)).json()
    assert [g["expiry_recorded_at"] is not None for g in listed if g["id"] == lapsed] == [True]
    again = platform.client.post(
        "/api/v1/duties/expire-grants", headers=platform.headers("dsj-admin")
    )
    assert lapsed not in {e["grant_id"] for e in again.json()}
