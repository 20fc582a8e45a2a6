"""The README's install and team sections, followed word for word on this machine (Debian or
Ubuntu, as root): a venv under /opt, the command linked into /usr/local/bin, the systemd unit
installed and checked with ``systemd-analyze verify``; ``init --system``, an operator added
to the group and as a user, who then reads the store from her own account; the installed
command runs the demo.

It writes /opt/inboxwatch, /usr/local/bin/inboxwatch, /etc/systemd/system/inboxwatch.service,
/etc/inboxwatch, /var/lib/inboxwatch and the accounts inboxwatch and alice, so it runs only
where asked
(``INBOXWATCH_TEST_INSTALL=1``, as ``.ci/run`` sets on its throw-away machine) and none of
those exist yet; it removes them afterwards. ``sudo`` is left out of each line (the test
is root already) and the lines run with sudo's PATH, so ``python3`` is the system's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGETS = [Path("/opt/inboxwatch"), Path("/usr/local/bin/inboxwatch"),
           Path("/etc/systemd/system/inboxwatch.service")]
SUDO_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

pytestmark = [pytest.mark.install, pytest.mark.subprocess, pytest.mark.slow]


def readme_lines(heading: str) -> list[str]:
    """The commands of the first ```sh block under ``## heading`` (comments dropped)."""
    text = (ROOT / "README.md").read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, f"the section {heading!r} has no ```sh block"
    lines = [re.sub(r"\s+#\s.*$", "", line) for line in block.group(1).splitlines()]
    return [line for line in lines if line.strip()]


def readme_install_lines() -> list[str]:
    return readme_lines("Installing on Debian or Ubuntu")


TEAM_LEFTOVERS = [Path("/etc/inboxwatch"), Path("/var/lib/inboxwatch")]


def _why_not() -> str | None:
    if os.environ.get("INBOXWATCH_TEST_INSTALL", "") in ("", "0"):
        return "set INBOXWATCH_TEST_INSTALL=1 to install into /opt (.ci/run does)"
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("apt-get") is None:
        return "needs a Debian or Ubuntu machine (apt-get)"
    present = [str(t) for t in [*TARGETS, *TEAM_LEFTOVERS] if t.exists() or t.is_symlink()]
    if present:
        return f"would overwrite {', '.join(present)}"
    import grp
    import pwd

    for name in ("inboxwatch", "alice"):
        for db in (pwd.getpwnam, grp.getgrnam):
            try:
                db(name)
            except KeyError:
                continue
            return f"an account or group {name!r} exists already"
    return None


def test_the_readme_lines_are_the_ones_this_test_runs() -> None:
    lines = readme_install_lines()
    assert lines[0] == "sudo apt-get install -y python3-venv"
    assert any("python3 -m venv /opt/inboxwatch" in line for line in lines)
    unit = (ROOT / "examples" / "inboxwatch.service").read_text()
    assert "ExecStart=/opt/inboxwatch/bin/inboxwatch run" in unit
    assert "Type=notify" in unit and "WatchdogSec=" in unit


def test_install_as_the_readme_says(tmp_path: Path) -> None:
    why = _why_not()
    if why is not None:
        if os.environ.get("INBOXWATCH_REQUIRE_INSTALL", "") not in ("", "0"):
            pytest.fail(f"the README install test must run here: {why}")
        pytest.skip(f"README install not followed: {why}")
    env = {"PATH": SUDO_PATH, "HOME": "/root", "LANG": "C.UTF-8",
           "DEBIAN_FRONTEND": "noninteractive"}
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE", "http_proxy",
                "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "no_proxy"):
        if key in os.environ:
            env[key] = os.environ[key]
    try:
        for line in readme_install_lines():
            command = line.removeprefix("sudo ")
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert re.fullmatch(r"inboxwatch \S+\n", done.stdout), done.stdout  # --version

        verify = shutil.which("systemd-analyze", path=SUDO_PATH)
        if verify is not None:
            checked = subprocess.run([verify, "verify", str(TARGETS[2])], env=env,
                                     capture_output=True, text=True, timeout=120)
            assert checked.returncode == 0, checked.stderr
            assert "inboxwatch.service" not in checked.stderr, checked.stderr

        # Then "Running it for a team", word for word too (alice made first, as the README
        # presumes her; systemctl only where systemd runs).
        subprocess.run(["useradd", "--no-create-home", "alice"], check=True)
        systemd_runs = Path("/run/systemd/system").is_dir()
        for line in readme_lines("Running it for a team"):
            if "systemctl" in line and not systemd_runs:
                continue
            command = line.replace("sudo ", "")
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=tmp_path,
                                  env={**env, "USER": "root"}, capture_output=True,
                                  text=True, timeout=300)
            assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        store = Path("/var/lib/inboxwatch/inboxwatch.db")
        assert oct(store.stat().st_mode & 0o777) == "0o660"
        assert store.stat().st_gid == __import__("grp").getgrnam("inboxwatch").gr_gid
        as_alice = subprocess.run(["runuser", "-u", "alice", "--", "inboxwatch", "--json",
                                   "users", "list"], env={**env, "HOME": str(tmp_path)},
                                  cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert as_alice.returncode == 0, as_alice.stderr
        assert "alice@example.com" in as_alice.stdout

        # The installed command, from anywhere: the examples ship in the wheel.
        store = f"sqlite:///{tmp_path / 'store.db'}"
        home = tmp_path / "home"
        home.mkdir()
        ran = subprocess.run(["inboxwatch", "--db", store, "demo", "--no-tui"],
                             env={**env, "HOME": str(home)}, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
        assert ran.returncode == 0, ran.stderr
        items = len(list((ROOT / "examples" / "mail").glob("*.eml"))) - 1  # one came twice
        assert f"(stored {items}," in ran.stdout + ran.stderr, ran.stdout + ran.stderr
    finally:
        for target in [*TARGETS, *TEAM_LEFTOVERS]:
            if target.is_symlink() or target.is_file():
                target.unlink()
            elif target.is_dir():
                shutil.rmtree(target)
        for name in ("alice", "inboxwatch"):
            subprocess.run(["userdel", name], capture_output=True, check=False)
        subprocess.run(["groupdel", "inboxwatch"], capture_output=True, check=False)
