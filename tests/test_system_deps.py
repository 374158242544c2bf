"""``make test`` sets up the system packages it needs, for a newcomer exactly as for CI (issue 7).

The script ``infra/system-deps.sh`` is run for real, with its probes pointed at a scratch folder
so that a package can be made to look absent or present. The one stand-in is the package
installer: a recording ``apt-get`` that "installs" by creating the probed file, since a test
cannot uninstall the machine's chromium to watch the real one put it back. The real apt-get path
is what ``make test`` runs on a fresh machine (and what CI's fresh clone runs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "infra" / "system-deps.sh"


def _scratch_machine(tmp_path: Path, *, absent: set[str]) -> dict[str, str]:
    """Probe paths under ``tmp_path``: each need exists unless named in ``absent``."""
    pg = tmp_path / "postgresql" / "15" / "bin"
    pg.mkdir(parents=True)
    chromium = tmp_path / "bin" / "chromium"
    chromium.parent.mkdir()
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    if "postgresql" not in absent:
        (pg / "initdb").write_text("")
    if "chromium" not in absent:
        chromium.write_text("#!/bin/sh\n")
        chromium.chmod(0o755)
    if "fonts-noto-cjk" not in absent:
        (fonts / "NotoSansCJK-Regular.ttc").write_text("")
    wrk = tmp_path / "bin" / "wrk"
    if "wrk" not in absent:
        wrk.write_text("#!/bin/sh\n")
        wrk.chmod(0o755)
    nginx = tmp_path / "bin" / "nginx"
    if "nginx" not in absent:
        nginx.write_text("#!/bin/sh\n")
        nginx.chmod(0o755)
    return {
        "ZT_PG_BINDIR_GLOB": str(tmp_path / "postgresql" / "*" / "bin" / "initdb"),
        "ZT_CHROMIUM": str(chromium),
        "ZT_CJK_FONT_GLOB": str(fonts / "NotoSansCJK-*.ttc"),
        "ZT_WRK": str(wrk),
        "ZT_NGINX": str(nginx),
    }


def _recording_apt(tmp_path: Path, probes: dict[str, str], *, works: bool = True) -> Path:
    """An ``apt-get`` that logs its arguments and, on ``install chromium``, creates the browser."""
    log = tmp_path / "apt.log"
    apt = tmp_path / "apt-get"
    body = f'echo "$*" >> {log}\n'
    if works:
        body += (
            'case " $* " in *" install "*" chromium "*) '
            f'printf "#!/bin/sh\\n" > {probes["ZT_CHROMIUM"]}; '
            f"chmod 755 {probes['ZT_CHROMIUM']};; esac\n"
        )
    else:
        body += "exit 100\n"
    apt.write_text("#!/bin/bash\n" + body)
    apt.chmod(0o755)
    return apt


def _run(
    env: dict[str, str], *args: str, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = ["bash", str(SCRIPT), *args]
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(
        command,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_make_test_runs_the_system_setup_before_pytest() -> None:
    make = shutil.which("make")
    assert make is not None
    dry = subprocess.run(
        [make, "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    lines = dry.stdout.splitlines()
    setup = [i for i, line in enumerate(lines) if "infra/system-deps.sh" in line]
    tests = [
        i
        for i, line in enumerate(lines)
        if line.split()[:1] and line.split()[0].endswith("/bin/pytest") and "-m load" not in line
    ]
    assert setup and tests, dry.stdout
    assert setup[0] < tests[0]


def test_ci_runs_exactly_the_readme_command() -> None:
    commands = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "bash infra/airgapped.sh make test" in commands  # the README's command, air-gapped
    installs, tests = "make install system-deps", "bash infra/airgapped.sh make test"
    production = "bash infra/airgapped.sh make test-production"  # issue 14: also in CI
    assert commands.index(installs) < commands.index(tests) < commands.index(production)
    assert not any(word in c.split() for c in commands for word in ("apt-get", "pip")), commands
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme.split("```")[1]
    assert "infra/system-deps.sh" in readme


def test_nothing_is_installed_when_everything_is_present(tmp_path: Path) -> None:
    probes = _scratch_machine(tmp_path, absent=set())
    apt = _recording_apt(tmp_path, probes)
    done = _run({**probes, "ZT_APT_GET": str(apt)})
    assert done.returncode == 0, done.stderr
    assert "all present" in done.stdout
    assert not (tmp_path / "apt.log").exists()


def test_a_missing_browser_is_installed_and_only_it(tmp_path: Path) -> None:
    probes = _scratch_machine(tmp_path, absent={"chromium"})
    apt = _recording_apt(tmp_path, probes)
    done = _run({**probes, "ZT_APT_GET": str(apt)})
    assert done.returncode == 0, done.stderr
    assert "missing chromium" in done.stdout
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls[0].startswith("update")
    assert calls[1].startswith("install") and calls[1].split()[-1] == "chromium"
    assert "postgresql" not in calls[1] and "fonts-noto-cjk" not in calls[1]
    assert Path(probes["ZT_CHROMIUM"]).is_file()
    again = _run({**probes, "ZT_APT_GET": str(apt)})
    assert again.returncode == 0 and "all present" in again.stdout
    assert len((tmp_path / "apt.log").read_text().splitlines()) == 2


def test_without_apt_it_names_the_package_and_the_command(tmp_path: Path) -> None:
    probes = _scratch_machine(tmp_path, absent={"chromium", "fonts-noto-cjk"})
    done = _run({**probes, "ZT_APT_GET": str(tmp_path / "no-such-apt-get")})
    assert done.returncode == 1
    assert "cannot install chromium fonts-noto-cjk" in done.stderr
    assert "apt-get install -y chromium fonts-noto-cjk" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_failing_package_source_is_reported(tmp_path: Path) -> None:
    probes = _scratch_machine(tmp_path, absent={"postgresql"})
    apt = _recording_apt(tmp_path, probes, works=False)
    done = _run({**probes, "ZT_APT_GET": str(apt)})
    assert done.returncode == 1
    assert "update' failed" in done.stderr
    assert "apt-get install -y postgresql" in done.stderr


def test_check_only_reports_without_installing(tmp_path: Path) -> None:
    probes = _scratch_machine(tmp_path, absent={"fonts-noto-cjk"})
    apt = _recording_apt(tmp_path, probes)
    done = _run({**probes, "ZT_APT_GET": str(apt)}, "--check")
    assert done.returncode == 1
    assert "missing fonts-noto-cjk" in done.stdout
    assert not (tmp_path / "apt.log").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to an unprivileged user")
def test_an_unprivileged_user_is_told_what_to_run() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="zt-system-deps-"))  # pytest's tmp is root-only
    try:
        scratch.chmod(0o755)
        probes = _scratch_machine(scratch, absent={"chromium"})
        apt = _recording_apt(scratch, probes)
        done = _run({**probes, "ZT_APT_GET": str(apt)}, user="nobody")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "missing chromium" in done.stdout
        assert "cannot install chromium: not root" in done.stderr
        assert "apt-get install -y chromium" in done.stderr
        assert not (scratch / "apt.log").exists()
    finally:
        shutil.rmtree(scratch)
