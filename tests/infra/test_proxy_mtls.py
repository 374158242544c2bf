"""The compose shape's nginx configuration (infra/compose/nginx/zhongtai.conf), run for real in
front of a real uvicorn server: a department system's client certificate, issued as
infra/README.md says and registered with `zhongtai account issue --cert`, signs the system in; a
client claiming a certificate through the headers, or holding one from another CA, does not;
Airflow's UI admits operator certificates only, and its execution API never from outside.

`make system-deps` installs Debian's nginx (1.22 on bookworm) for this test; it is started here
with its own configuration and prefix, never as the machine's service. Elsewhere the test runs
where an nginx binary is found, on PATH or named by ZHONGTAI_TEST_NGINX (e.g. one unpacked without
installing: `apt-get download nginx && dpkg -x nginx_*.deb /tmp/ngx`), and skips otherwise.

nginx and uvicorn run as their own processes (a proxy in front of a running server is the point);
the two `zhongtai account issue` commands run in this process (tests.fixtures.cli_runner)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from catalog.db import init_catalog
from catalog.departments import upsert_department
from tests.fixtures.cli_runner import run_zhongtai
from tests.infra.infra_files import INFRA

CONF = INFRA / "compose" / "nginx" / "zhongtai.conf"
HOST = "localhost"


def _nginx() -> str:
    found = os.environ.get("ZHONGTAI_TEST_NGINX") or shutil.which(
        "nginx", path=os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin"))
    )
    if not found:
        pytest.skip("no nginx binary (PATH or ZHONGTAI_TEST_NGINX): see this module's docstring")
    return found


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _issue(ca: Path, subject: str, out: Path) -> tuple[Path, Path]:
    key, csr, pem = out.with_suffix(".key"), out.with_suffix(".csr"), out.with_suffix(".pem")
    run = ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    subprocess.run(
        [*run, "-subj", subject, "-keyout", key, "-out", csr], check=True, capture_output=True
    )
    extensions = out.with_suffix(".ext")
    extensions.write_text("extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n")
    subprocess.run(
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca.with_suffix(".pem"), "-CAkey",
         ca.with_suffix(".key"), "-CAcreateserial", "-days", "2", "-out", pem, "-extfile",
         extensions],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return pem, key


@dataclass(frozen=True)
class Proxy:
    url: str
    tls: Path
    department: tuple[Path, Path]
    operator: tuple[Path, Path]
    rogue: tuple[Path, Path]

    def client(self, cert: tuple[Path, Path] | None = None) -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.tls / "server-ca.pem"))
        if cert:
            context.load_cert_chain(str(cert[0]), str(cert[1]))
        return httpx.Client(base_url=self.url, verify=context, timeout=30)


def _render(nginx: str, folder: Path, tls: Path, api_port: int, tls_port: int) -> Path:
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)", version)
    conf = CONF.read_text("utf-8")
    if found and (int(found[1]), int(found[2])) < (1, 25):  # `http2 on;` came in 1.25.1
        conf = conf.replace("    http2 on;\n", "")
    conf = (
        conf.replace("server api:8000;", f"server 127.0.0.1:{api_port};")
        .replace("server airflow-api-server:8080;", f"server 127.0.0.1:{_port()};")
        .replace("listen 8443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;")
        .replace("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{_port()};")
        .replace("/run/secrets/tls/", f"{tls}/")
        .replace("access_log /dev/stdout zhongtai;", f"access_log {folder}/access.log zhongtai;")
        .replace("error_log /dev/stderr warn;", f"error_log {folder}/error.log warn;")
    )
    assert "/run/secrets/" not in conf, "a path the test does not know: update this test"
    (folder / "conf.d").mkdir()
    (folder / "conf.d" / "zhongtai.conf").write_text(conf)
    temp = "\n".join(
        f"  {k}_temp_path {folder}/{k};"
        for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        f"events {{}}\nhttp {{\n{temp}\n  include {folder}/conf.d/*.conf;\n}}\n"
    )
    return main


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    nginx = _nginx()
    root = tmp_path_factory.mktemp("proxy")
    secrets = root / "secrets"
    subprocess.run(
        ["bash", str(INFRA / "compose" / "generate-secrets.sh"), str(secrets), HOST],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    tls = secrets / "tls"
    var = root / "var"
    settings = {
        "ZHONGTAI_VAR_DIR": str(var),
        "ZHONGTAI_ENVIRONMENT": "test",
        "ZHONGTAI_ENV_FILE": os.devnull,
        "ZHONGTAI_TRUSTED_PROXIES": "127.0.0.1",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")} | settings
    sessions = init_catalog(f"sqlite:///{var / 'catalog.sqlite'}")
    with sessions() as session:
        upsert_department(session, "330100SWJ", "杭州市税务局", "330100")
        session.commit()
    sessions.kw["bind"].dispose()
    department = _issue(tls / "department-ca", "/O=330100SWJ/CN=swj-exchange", root / "swj")
    operator = _issue(tls / "operator-ca", "/O=Zhongtai/CN=operator-1", root / "op")
    rogue_ca = root / "rogue-ca"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", "/CN=Rogue CA", "-days", "2", "-keyout", rogue_ca.with_suffix(".key"),
         "-out", rogue_ca.with_suffix(".pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    rogue = _issue(rogue_ca, "/O=330100SWJ/CN=swj-exchange", root / "rogue")
    issue = ("account", "issue", "330100SWJ")  # in this process (tests.fixtures.cli_runner)
    admin = run_zhongtai(*issue, "root-admin", "--role", "admin", env=settings)
    assert admin.returncode == 0, admin.stderr
    issued = run_zhongtai(
        *issue, "swj-mtls", "--role", "requester", "--cert", str(department[0]),
        env={**settings, "ZHONGTAI_TOKEN": admin.stdout.strip()},
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    api_port, tls_port = _port(), _port()
    folder = root / "nginx"
    folder.mkdir()
    main = _render(nginx, folder, tls, api_port, tls_port)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "exchange_api.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(api_port), "--log-level", "warning"],
        env=env, start_new_session=True,
    )  # fmt: skip
    started = subprocess.run(
        [nginx, "-c", str(main), "-p", str(folder)], capture_output=True, text=True
    )
    try:
        assert started.returncode == 0, started.stderr
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{api_port}/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield Proxy(f"https://{HOST}:{tls_port}", tls, department, operator, rogue)
    finally:
        pid = folder / "nginx.pid"
        if pid.exists():
            os.kill(int(pid.read_text()), signal.SIGTERM)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_a_department_certificate_signs_its_system_in(proxy: Proxy) -> None:
    with proxy.client(proxy.department) as http:
        response = http.get("/api/v1/accounts")
    assert response.status_code == 200, response.text
    assert [a["name"] for a in response.json()] == ["swj-mtls"]


def test_no_certificate_and_a_claimed_one_are_refused(proxy: Proxy) -> None:
    pem = proxy.department[0].read_text()
    forged = {"X-Client-Verify": "SUCCESS", "X-Client-Cert": quote(pem)}
    with proxy.client() as http:
        assert http.get("/api/v1/accounts").status_code == 401
        assert http.get("/api/v1/accounts", headers=forged).status_code == 401


def test_a_certificate_from_another_ca_is_stopped_at_the_proxy(proxy: Proxy) -> None:
    with proxy.client(proxy.rogue) as http:
        response = http.get("/api/v1/accounts")
    assert response.status_code == 400  # nginx: "The SSL certificate error"


def test_airflow_admits_operator_certificates_only(proxy: Proxy) -> None:
    with proxy.client(proxy.department) as http:
        assert http.get("/airflow/").status_code == 403
    with proxy.client(proxy.operator) as http:
        assert http.get("/airflow/").status_code == 502  # let through; no Airflow behind it
        assert http.get("/airflow/execution/anything").status_code == 404
