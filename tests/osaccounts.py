"""Throw-away OS accounts for the tests that need several people on one machine.

Creating accounts needs root (CI runs as root); elsewhere the tests that use
:func:`os_accounts` are skipped with a message that says so. Every account and group made
here is removed again, also when the test fails. Each account runs inboxwatch as itself:
a real uid, a real login, its own home, through :meth:`Accounts.run`.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

INBOXWATCH = "from inboxwatch.cli import entry_point; entry_point()"


def _unavailable(why: str) -> None:
    if os.environ.get("INBOXWATCH_REQUIRE_OS_ACCOUNTS"):
        pytest.fail(f"multi-account tests required but {why}")
    pytest.skip(f"SKIPPED LOUDLY: the multi-account tests {why}")


@dataclass
class Accounts:
    """Accounts and groups made for one test, and a shared directory they can all reach."""

    base: Path
    prefix: str
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def name(self, role: str) -> str:
        return f"{self.prefix}{role}"[:32]

    def group(self, role: str) -> str:
        name = self.name(role)
        subprocess.run(["groupadd", name], check=True, capture_output=True)
        self.groups.append(name)
        return name

    def user(self, role: str, *, groups: tuple[str, ...] = ()) -> str:
        name = self.name(role)
        argv = ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin",
                "--home-dir", str(self.base / "home" / name)]
        if groups:
            argv += ["--groups", ",".join(groups)]
        subprocess.run([*argv, name], check=True, capture_output=True)
        self.users.append(name)
        home = self.base / "home" / name
        home.mkdir(parents=True)
        home.parent.chmod(0o755)  # whatever the test process's umask
        info = pwd.getpwnam(name)
        os.chown(home, info.pw_uid, info.pw_gid)
        home.chmod(0o700)
        return name

    def env(self, login: str, **extra: str) -> dict[str, str]:
        home = self.base / "home" / login
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
               "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
               "XDG_CONFIG_HOME": str(home / ".config"),
               "XDG_DATA_HOME": str(home / ".local" / "share"),
               "XDG_STATE_HOME": str(home / ".local" / "state"),
               "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
               "LOGNAME": login, "USER": login}
        env.update(extra)
        return env

    def command(self, login: str, argv: list[str], *, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``argv`` as ``login``: its uid, primary group and supplementary groups."""
        info = pwd.getpwnam(login)
        groups = [g.gr_gid for g in grp.getgrall() if login in g.gr_mem]
        return subprocess.run(
            argv, user=info.pw_uid, group=info.pw_gid, extra_groups=groups,
            env=env or self.env(login), cwd=self.base, capture_output=True, text=True,
            timeout=timeout, umask=0o022, check=False)

    def run(self, login: str, *argv: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``inboxwatch ARGV`` as ``login``."""
        return self.command(login, [sys.executable, "-c", INBOXWATCH, *argv], env=env,
                            timeout=timeout)

    def python(self, login: str, code: str, *args: str,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Python ``code`` as ``login`` (for a service call that has no command)."""
        return self.command(login, [sys.executable, "-c", code, *args], env=env)

    def remove(self) -> None:
        for name in reversed(self.users):
            subprocess.run(["userdel", name], capture_output=True, check=False)
        for name in reversed(self.groups):
            subprocess.run(["groupdel", name], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def os_accounts() -> Iterator[Accounts]:
    if os.geteuid() != 0:
        _unavailable("need root to create throw-away OS accounts (CI runs as root)")
    if shutil.which("useradd") is None or shutil.which("groupadd") is None:
        _unavailable("need useradd and groupadd")
    base = Path(tempfile.mkdtemp(prefix="inboxwatch-team-"))
    base.chmod(0o755)
    accounts = Accounts(base, prefix=f"iw{os.getpid() % 100000}")
    try:
        probe = accounts.user("probe")
        reach = accounts.python(probe, "import inboxwatch")
        if reach.returncode != 0:
            _unavailable(f"cannot run {sys.executable} as another account (is its directory "
                         f"private? .ci/run makes it reachable): {reach.stderr[-200:]}")
        yield accounts
    finally:
        accounts.remove()
