"""One example per command, shown under its ``--help`` (tests/test_cli_help.py parses each
one with the real parser, so an example cannot go stale)."""

from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "import": "inboxwatch import ~/exported-mail.mbox examples/",
    "messages": 'inboxwatch messages --status awaiting_review --search "printer toner"',
    "show": "inboxwatch show 42 --raw > message-42.eml",
    "db upgrade": "inboxwatch db upgrade",
    "db setup-team": "sudo -u inboxwatch inboxwatch db setup-team",
    "db current": "inboxwatch db current",
    "init": 'sudo inboxwatch init --system --admin "$USER"',
    "secret set": "inboxwatch secret set smtp",
    "secret rotate-reply-key": "inboxwatch secret rotate-reply-key --grace-days 90",
    "demo": "inboxwatch demo --reset",
    "poll": "inboxwatch poll --mailbox support",
    "run": "inboxwatch run --mailbox support --mailbox sales",
    "status": "inboxwatch status || echo 'a mailbox needs attention'",
    "mark": "inboxwatch mark 42 needs_attention",
    "delete": "inboxwatch delete 42 --as-spam",
    "undelete": "inboxwatch undelete 42",
    "not-spam": "inboxwatch not-spam 42",
    "purge": "inboxwatch purge --older-than 30",
    "case create": 'inboxwatch case create --from-message 42 --notes "called the client"',
    "case find": "inboxwatch case find alice@client.example",
    "case link": "inboxwatch case link 42 1007",
    "case update": 'inboxwatch case update 1007 --text "A technician comes tomorrow." --email',
    "case add-participant": "inboxwatch case add-participant --from-message 43",
    "case show": "inboxwatch case show 1007",
    "users add": 'inboxwatch users add alice@example.com --name "Alice" --login alice '
                 "--role operator",
    "users list": "inboxwatch users list --json",
    "users deactivate": "inboxwatch users deactivate alice@example.com",
    "users activate": "inboxwatch users activate alice@example.com",
    "users grant": "inboxwatch users grant alice@example.com admin",
    "watch": "inboxwatch watch --interval 5",
    "eval": "inboxwatch eval corpus/ham corpus/spam --held-out",
    "tui": "inboxwatch tui",
    "outbox send": "inboxwatch outbox send",
    "outbox list": "inboxwatch outbox list --status failed",
    "notify check-templates": "inboxwatch notify check-templates",
    "completion": "inboxwatch completion bash | sudo tee /etc/bash_completion.d/inboxwatch",
}
