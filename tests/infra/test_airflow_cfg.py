"""infra/airflow.cfg: every option is one Airflow 3.3 (or its Celery provider) knows, the shape is
the production one (CeleryExecutor, no examples), nothing in it phones home, and no secret is in
it (each comes from a file through Airflow's `_CMD` fallback)."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

import pytest

from tests.infra.infra_files import INFRA

# apache-airflow-providers-celery is not installed here (the image adds it; infra/README.md).
# Its options, from its provider.yaml (apache/airflow, providers/celery/provider.yaml, 3.17.1).
CELERY_OPTIONS = {
    "celery": {
        "celery_app_name", "worker_concurrency", "worker_autoscale", "worker_prefetch_multiplier",
        "worker_enable_remote_control", "broker_url", "result_backend",
        "result_backend_sqlalchemy_engine_options", "flower_host", "flower_url_prefix",
        "flower_port", "flower_basic_auth", "sync_parallelism", "celery_config_options",
        "ssl_active", "ssl_key", "ssl_cert", "ssl_cacert", "pool", "operation_timeout",
        "task_acks_late", "task_track_started", "task_publish_max_retries",
        "extra_celery_config", "worker_umask",
    },
    "celery_broker_transport_options": {"visibility_timeout", "sentinel_kwargs"},
}  # fmt: skip
SENSITIVE = {("celery", "broker_url"), ("celery", "result_backend")}


@pytest.fixture
def conf(airflow_home: Path) -> Any:
    """Airflow's configuration, imported only once the session's Airflow home is set (an import
    at module level configured Airflow with the default home at collection, and the DAG tests
    in the same worker then found no metadata tables)."""
    from airflow.configuration import conf as airflow_conf

    return airflow_conf


def _cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(INFRA / "airflow.cfg", encoding="utf-8")
    return parser


def test_every_option_exists_in_airflow_or_its_celery_provider(conf: Any) -> None:
    known = conf.configuration_description
    unknown = [
        (section, key)
        for section in _cfg().sections()
        for key in _cfg()[section]
        if key not in known.get(section, {}).get("options", {})
        and key not in CELERY_OPTIONS.get(section, set())
    ]
    assert unknown == []


def test_the_production_shape() -> None:
    cfg = _cfg()
    assert cfg["core"]["executor"] == "CeleryExecutor"
    assert cfg.getboolean("core", "load_examples") is False
    assert cfg["core"]["dags_folder"] == "/opt/zhongtai/dags"  # images/zhongtai.Dockerfile
    dockerfile = (INFRA / "images" / "zhongtai.Dockerfile").read_text("utf-8")
    assert "COPY dags/ /opt/zhongtai/dags/" in dockerfile
    assert cfg["core"]["test_connection"] == "Disabled"


def test_nothing_phones_home(conf: Any) -> None:
    cfg = _cfg()
    for section, key in [("metrics", "statsd_on"), ("metrics", "otel_on"),
                         ("traces", "otel_on"), ("sentry", "sentry_on"),
                         ("api", "enable_swagger_ui")]:  # fmt: skip
        assert cfg.getboolean(section, key) is False, (section, key)
    # Airflow 2's [usage_data_collection] is gone in 3.3: nothing to turn off, and nothing left.
    assert "usage_data_collection" not in conf.configuration_description


def test_no_secret_is_in_the_file(conf: Any) -> None:
    cfg = _cfg()
    sensitive = set(conf.sensitive_config_values) | SENSITIVE
    present = {(s, k) for s in cfg.sections() for k in cfg[s]}
    assert present & sensitive == set()
