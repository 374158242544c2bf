"""``zhongtai quality sign-off``: the same sign-off as the API, identified by a token that never
appears on the command line, and a clean coded error for anyone who may not sign.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import os
import subprocess

from sqlalchemy import select

from catalog.audit import verify_chain
from catalog.models import AuditEvent, QualityReport
from tests.exchange_api.conftest import Platform, report_of
from tests.fixtures.cli_runner import run_zhongtai


def _sign_off(
    platform: Platform, report_id: int, token: str | None, *args: str
) -> subprocess.CompletedProcess[str]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(platform.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
    )
    if token is not None:
        env["ZHONGTAI_TOKEN"] = token
    # no token in the environment and nothing typed: the prompt gets nothing
    return run_zhongtai("quality", "sign-off", str(report_id), *args, env=env, input="")


def _signed_off_events(platform: Platform) -> list[AuditEvent]:
    with platform.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == "quality.report_signed_off")
            )
        )


def test_cli_sign_off_refuses_with_a_code_and_signs_for_the_steward(platform: Platform) -> None:
    report_id = report_of(platform, platform.batch.batch_id)
    tokens = platform.tokens.by_account

    not_steward = _sign_off(platform, report_id, tokens["swj-exchange"])
    assert not_steward.returncode == 2, not_steward
    assert "report.not_steward" in not_steward.stderr
    bad_token = _sign_off(platform, report_id, "not-a-token")
    assert bad_token.returncode == 2, bad_token
    assert "auth.invalid_token" in bad_token.stderr
    assert "not-a-token" not in bad_token.stderr + bad_token.stdout
    no_token = _sign_off(platform, report_id, None)
    assert no_token.returncode != 0
    missing = _sign_off(platform, 999_999, tokens["rsj-exchange"])
    assert missing.returncode == 2 and "report.not_found" in missing.stderr
    for done in (not_steward, bad_token, no_token, missing):
        assert "Traceback" not in done.stderr + done.stdout
    assert _signed_off_events(platform) == []

    signed = _sign_off(platform, report_id, tokens["rsj-exchange"], "--note", "命令行签核：已抽查")
    assert signed.returncode == 0, signed.stderr
    assert f"report {report_id} signed off by rsj-exchange (330100RSJ)" in signed.stdout
    assert f"snapshot {platform.batch.snapshot_id}" in signed.stdout
    [event] = _signed_off_events(platform)
    assert event.detail["report_id"] == report_id
    assert event.detail["snapshot_id"] == platform.batch.snapshot_id
    with platform.sessions() as session:
        report = session.get(QualityReport, report_id)
        assert report is not None and report.sign_off_note == "命令行签核：已抽查"
        assert verify_chain(session).ok

    again = _sign_off(platform, report_id, tokens["rsj-exchange"])
    assert again.returncode == 2 and "report.already_signed_off" in again.stderr
    assert len(_signed_off_events(platform)) == 1
