"""The Airflow tests' shared names; the ``airflow_home`` fixture is ``tests.fixtures.airflow_home``
(one for the session, shared with tests/infra)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
