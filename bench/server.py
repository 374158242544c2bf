"""Serving the app for the HTTP benchmarks: uvicorn in a subprocess, on one run's settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from catalog.settings import Settings
from catalog.settings_view import store_environment


def serve(settings: Settings, port: int, *, workers: int = 1) -> subprocess.Popen[bytes]:
    """``uvicorn exchange_api.app:create_app`` in a subprocess, on this run's settings (its var
    dir, environment and stores; no rate limit)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
    env.update(
        ZHONGTAI_VAR_DIR=str(settings.var_dir),
        ZHONGTAI_ENVIRONMENT=settings.environment,
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_RATE_LIMIT_PER_MINUTE="0",
    )
    env.update(store_environment(settings))  # both catalogs, the lake and its object store
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "exchange_api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,  # its own process group: stopped with its workers
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")
