"""``zhongtai negative add | lift | list`` through the installed command: the same decision and
JSON as the API; a refusal or bad input exits 2 with its stable code.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import json
import os
import subprocess

from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform
from tests.fixtures.cli_runner import run_zhongtai

BASIS = "《中华人民共和国个人信息保护法》第二十八条"


def _run(platform: Platform, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(platform.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=platform.tokens.by_account[account],
        COLUMNS="200",
    )
    return run_zhongtai("negative", *args, env=env)


def test_add_list_and_lift_from_the_terminal(platform: Platform) -> None:
    stranger = _run(
        platform, "gaj-exchange", "add", DATASET, "--field", "employer_name",
        "--basis", BASIS, "--review-date", "2099-01-31",
    )  # fmt: skip
    assert stranger.returncode == 2 and "negative_list.not_manager" in stranger.stderr
    bad_date = _run(
        platform, "rsj-exchange", "add", DATASET, "--basis", BASIS, "--review-date", "下个月"
    )
    assert bad_date.returncode == 2 and "negative.invalid_review" in bad_date.stderr
    added = _run(
        platform, "rsj-exchange", "add", DATASET, "--field", "employer_name",
        "--basis", BASIS, "--review-date", "2099-01-31",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    entry = json.loads(added.stdout)
    assert (entry["field"], entry["legal_basis"]) == ("employer_name", BASIS)
    listed = _run(platform, "gaj-exchange", "list", "--json")
    assert [e["id"] for e in json.loads(listed.stdout)] == [entry["id"]]
    filed = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("gaj-exchange"),
        json={"dataset": DATASET, "fields": ["employer_name"], "purpose": "核查"},
    )
    assert filed.json()["code"] == "negative_list.field" and BASIS in filed.json()["detail"]
    no_reason = _run(platform, "rsj-exchange", "lift", str(entry["id"]), "--reason", " ")
    assert no_reason.returncode == 2 and "negative.reason_required" in no_reason.stderr
    lifted = _run(platform, "rsj-exchange", "lift", str(entry["id"]), "--reason", "复核解除")
    assert lifted.returncode == 0, lifted.stderr
    assert json.loads(lifted.stdout)["lift_reason"] == "复核解除"
    table = _run(platform, "dsj-audit", "list", "--lifted")
    assert table.returncode == 0 and "employer_name" in table.stdout and "复核解除" in table.stdout
