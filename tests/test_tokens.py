"""Signed reply tokens: round trip, forgery, the 0600 secret file, ``init``."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inboxwatch.cli import main
from inboxwatch.tokens import (
    TokenSecretError,
    ensure_reply_secret,
    find_reply_tokens,
    load_reply_secret,
    make_token,
    reply_address_for,
    reply_secret_path,
    rotate_reply_secret,
    verify_token,
)

SECRET = bytes(range(32))
OTHER = bytes(range(1, 33))


def test_token_round_trip_and_address() -> None:
    token = make_token(42, SECRET)
    assert token.startswith("42x") and token == token.lower()
    assert verify_token(token, SECRET) == 42
    assert verify_token(token.upper(), SECRET) == 42  # mail systems may change the case
    address = reply_address_for("updates@helpdesk.example.com", token)
    assert address == f"updates+{token}@helpdesk.example.com"


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace("42x", "43x", 1),  # another update id, same signature
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # one signature digit changed
    lambda t: t[:-2],  # truncated
    lambda t: t + "0",  # extended
    lambda t: "42x" + "0" * 20,  # made up
    lambda t: "",
    lambda t: "x" * 10_000,  # absurdly long: rejected by shape, bounded time
])
def test_forged_or_altered_token_is_not_trusted(tamper: object) -> None:
    assert callable(tamper)
    token = tamper(make_token(42, SECRET))
    assert verify_token(token, SECRET) is None


def test_token_signed_with_another_secret_is_not_trusted() -> None:
    assert verify_token(make_token(42, OTHER), SECRET) is None
    assert verify_token(make_token(42, SECRET), None) is None  # no secret: nothing verifies


def test_find_reply_tokens_in_recipients() -> None:
    good = reply_address_for("updates@helpdesk.example.com", make_token(7, SECRET))
    forged = reply_address_for("updates@helpdesk.example.com", make_token(8, OTHER))
    found = find_reply_tokens(
        ["someone@example.com", good.upper(), forged, "updates@helpdesk.example.com",
         "updates+7x00@elsewhere.example"],
        "updates@helpdesk.example.com", SECRET)
    assert [(t.case_update_id, t.valid) for t in found] == [(7, True), (8, False)]


def test_secret_file_is_private_and_kept() -> None:
    line = ensure_reply_secret()
    path = reply_secret_path()
    assert "generated" in line and str(path) in line
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = load_reply_secret()
    assert secret is not None and len(secret) == 32
    assert secret.hex() not in line  # where, never what
    assert "kept" in ensure_reply_secret()
    assert load_reply_secret() == secret


def test_secret_file_readable_by_others_is_refused() -> None:
    ensure_reply_secret()
    path = reply_secret_path()
    path.chmod(0o644)
    with pytest.raises(TokenSecretError, match="chmod 600"):
        load_reply_secret()


def test_damaged_secret_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "reply-token.key"
    path.write_text("not hex at all\n")
    path.chmod(0o600)
    with pytest.raises(TokenSecretError, match="unreadable reply-token secret"):
        load_reply_secret(path=path)


def test_secret_in_keyring_when_no_file() -> None:
    assert load_reply_secret() is None
    assert "keyring" in ensure_reply_secret(use_keyring=True)
    assert not reply_secret_path().exists()
    secret = load_reply_secret()
    assert secret is not None and len(secret) == 32


def test_init_generates_the_secret_outside_the_config(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    config = tmp_path / "inboxwatch.toml"
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["--config", str(config), "--db", db, "--json", "init"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any("reply-token secret: generated" in step for step in out["steps"])
    secret = load_reply_secret()
    assert secret is not None
    assert secret.hex() not in config.read_text()
    assert secret.hex() not in json.dumps(out)
    assert main(["--config", str(config), "--db", db, "--json", "init"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert any("kept the existing one" in step for step in again["steps"])
    assert load_reply_secret() == secret


def test_a_one_line_key_file_keeps_its_old_tokens(tmp_path: Path) -> None:
    """A key file written before key ids: key 0, and its tokens keep the old form."""
    path = tmp_path / "reply-token.key"
    path.write_text(SECRET.hex() + "\n")
    path.chmod(0o600)
    keys = load_reply_secret(path=path)
    assert keys is not None and keys.current.kid == 0
    old = make_token(42, SECRET)  # as minted before the upgrade
    assert make_token(42, keys) == old and "k" not in old
    assert verify_token(old, keys) == 42


def test_rotation_keeps_earlier_tokens_for_the_grace_period(tmp_path: Path) -> None:
    path = tmp_path / "reply-token.key"
    ensure_reply_secret(path=path)
    first = load_reply_secret(path=path)
    assert first is not None and first.current.kid == 1
    old_token = make_token(7, first)
    assert old_token.startswith("7k1x")
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    line = rotate_reply_secret(grace_days=30, path=path, now=now)
    assert "new key 2" in line and first.hex() not in line
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = load_reply_secret(path=path)
    assert second is not None and second.current.kid == 2
    new_token = make_token(7, second)
    assert new_token.startswith("7k2x")
    assert verify_token(new_token, second, now=now) == 7
    assert verify_token(old_token, second, now=now + timedelta(days=29)) == 7
    assert verify_token(old_token, second, now=now + timedelta(days=31)) is None
    # a token claiming the new key id with the old key's signature does not verify
    forged = old_token.replace("k1x", "k2x")
    assert verify_token(forged, second, now=now) is None
    # the next rotation after the grace period drops the expired key
    rotate_reply_secret(grace_days=30, path=path, now=now + timedelta(days=40))
    third = load_reply_secret(path=path)
    assert third is not None and [k.kid for k in third.keys] == [2, 3]


def test_key_file_in_a_team_directory_is_group_readable_never_other(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    team.chmod(0o2770)
    path = team / "reply-token.key"
    assert "mode 0640" in ensure_reply_secret(path=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_reply_secret(path=path) is not None  # the group may read it
    path.chmod(0o644)
    with pytest.raises(TokenSecretError, match="readable by others"):
        load_reply_secret(path=path)


def test_unreadable_key_file_names_the_group(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file: the unreadable case is run as another account "
                    "in tests/test_team.py")
    path = tmp_path / "reply-token.key"
    ensure_reply_secret(path=path)
    path.chmod(0o000)
    with pytest.raises(TokenSecretError, match="permission denied.*usermod -aG"):
        load_reply_secret(path=path)


def test_answer_tokens_are_their_own_kind() -> None:
    from inboxwatch.tokens import make_answer_token, verify_answer_token

    token = make_answer_token(42, SECRET)
    assert token.startswith("a42x")
    assert verify_answer_token(token, SECRET) == 42
    assert verify_answer_token(token.upper(), SECRET) == 42
    assert verify_token(token, SECRET) is None  # not a case update's token
    assert verify_answer_token(make_token(42, SECRET), SECRET) is None
    assert verify_answer_token(token.replace("a42", "a43"), SECRET) is None
    [found] = find_reply_tokens([f"updates+{token}@helpdesk.example.com"],
                                "updates@helpdesk.example.com", SECRET)
    assert (found.valid, found.answered_message, found.case_update_id) == (True, 42, None)
