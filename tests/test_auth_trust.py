"""Upstream verdicts from our boundary only (RFC 8601 §5): Authentication-Results count
when our own server wrote them; a header added before the mail reached us proves nothing,
and the explanation says which results were ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxwatch.classify import collect_evidence, solicited_bulk
from inboxwatch.config import ConfigError, load_config
from inboxwatch.parse import parse_message

OURS = "mx.helpdesk.example.com"


def _mail(*results: str, extra: str = "") -> bytes:
    headers = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return (headers + "Received: from relay.example by mx.helpdesk.example.com\r\n"
            "From: Billing <billing@shop.example>\r\nTo: help@helpdesk.example.com\r\n"
            f"Subject: Your invoice\r\nMessage-ID: <a@shop.example>\r\n{extra}\r\n"
            "Please find the invoice attached.\r\n").encode()


def _rules(raw: bytes, trusted: tuple[str, ...] = ()) -> dict[str, str]:
    evidence = collect_evidence(parse_message(raw), (), trusted)
    return {h.rule: h.evidence for h in evidence.rule_hits}


def test_a_forged_lower_hop_failure_is_ignored_and_said() -> None:
    raw = _mail(f"{OURS}; spf=pass smtp.mailfrom=shop.example; dmarc=pass",
                "evil.example; dmarc=fail header.from=shop.example")
    rules = _rules(raw)
    assert "dmarc_fail" not in rules
    assert "ignored the results of evil.example" in rules["auth_results_untrusted"]
    assert OURS in rules["auth_results_untrusted"]


def test_our_servers_failure_counts_and_is_named() -> None:
    rules = _rules(_mail(f"{OURS}; dmarc=fail header.from=shop.example"))
    assert rules["dmarc_fail"] == f"Authentication-Results of {OURS}: dmarc=fail"
    assert "auth_results_untrusted" not in rules


def test_configured_authserv_ids_are_the_only_ones_believed() -> None:
    raw = _mail("relay.other.example; dmarc=fail", f"{OURS}; spf=fail")
    assert "dmarc_fail" in _rules(raw)  # by default the topmost is ours
    rules = _rules(raw, (OURS.upper(),))
    assert "dmarc_fail" not in rules and "spf_fail" in rules
    assert "relay.other.example" in rules["auth_results_untrusted"]


def test_a_forged_dkim_pass_does_not_make_junk_solicited() -> None:
    unsubscribe = "List-Unsubscribe: <mailto:leave@shop.example>\r\n"
    forged = _mail(f"{OURS}; dkim=none", "fake.example; dkim=pass header.d=shop.example",
                   extra=unsubscribe)
    assert solicited_bulk(parse_message(forged)) is None
    ours = _mail(f"{OURS}; dkim=pass header.d=shop.example", extra=unsubscribe)
    assert "DKIM pass for shop.example" in (solicited_bulk(parse_message(ours)) or "")


def test_the_setting_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[system]\ntrusted_authserv_ids = ["{OURS}"]\n')
    assert load_config(path).system.trusted_authserv_ids == (OURS,)
    path.write_text(f'[system]\ntrusted_authserv_ids = "{OURS}"\n')
    with pytest.raises(ConfigError, match="trusted_authserv_ids"):
        load_config(path)
