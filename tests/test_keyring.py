"""Secrets in the keyring: `secret set` stores one, polling reads it, and a keyring that is
a plaintext file is named as such instead of being used silently."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from inboxwatch.cli import main
from inboxwatch.secrets import plaintext_keyring, resolve_secret


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "c.toml"
    path.write_text('[[mailbox]]\nname = "support"\nhost = "127.0.0.1"\nusername = "u"\n')
    return path


def test_secret_set_warns_about_a_plaintext_keyring(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    # conftest makes every test's keyring keyrings.alt's PlaintextKeyring
    assert plaintext_keyring() is not None and "PlaintextKeyring" in str(plaintext_keyring())
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-Pw\n"))
    assert main(["--config", str(_config(tmp_path)), "secret", "set", "support"]) == 0
    captured = capsys.readouterr()
    assert "stored the secret for support" in captured.out
    assert "warning: this keyring is a plaintext file" in captured.err
    assert "s3cret-Pw" not in captured.out + captured.err
    with caplog.at_level(logging.WARNING, logger="inboxwatch.secrets"):
        assert resolve_secret(key="mailbox:support") == "s3cret-Pw"
    assert any("plaintext file" in r.getMessage() for r in caplog.records)
    assert not any("s3cret-Pw" in r.getMessage() for r in caplog.records)


class _SecretService(KeyringBackend):
    """Stands in for a real keyring (a Secret Service daemon is not on a test machine)."""

    priority = 1.0

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        return None

    def delete_password(self, service: str, username: str) -> None:
        return None


def test_no_warning_for_a_real_keyring() -> None:
    import keyring

    before = keyring.get_keyring()
    keyring.set_keyring(_SecretService())
    try:
        assert plaintext_keyring() is None
    finally:
        keyring.set_keyring(before)
