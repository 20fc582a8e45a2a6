"""Email we send: New Inbound Message Notices, digests and case-update emails, via an outbox.

- :mod:`._compose` builds the bytes (checked addresses, fixed Message-ID, loop header).
- :mod:`._outbox` queues them in the caller's transaction and delivers them over SMTP with
  retries and backoff (at-least-once with a fixed Message-ID; see its docstring).
- :mod:`._notices` decides which inbound messages get a notice, and folds floods into a digest.
- :mod:`._templates` renders the user-editable notice templates in Jinja2's sandbox.
- :mod:`._case_email` builds the case-update email whose replies route back to the case.
"""

from inboxwatch.notify._case_email import CaseEmailProblem, case_subject, queue_case_update_email
from inboxwatch.notify._compose import (
    AddressProblem,
    Attachment,
    OutgoingEmail,
    build_email,
    check_address,
)
from inboxwatch.notify._notices import NOTICE_RULES, check_notice_settings, queue_new_message_notice
from inboxwatch.notify._outbox import (
    IN_FLIGHT_SECONDS,
    MAX_ATTEMPTS,
    DeliveryReport,
    NoSmtpConfigured,
    OutboxRow,
    backoff,
    deliver_pending,
    list_outbox,
    queue_email,
)
from inboxwatch.notify._templates import NoticeTemplates, TemplateProblem, load_notice_templates

__all__ = [
    "IN_FLIGHT_SECONDS",
    "MAX_ATTEMPTS",
    "NOTICE_RULES",
    "AddressProblem",
    "Attachment",
    "CaseEmailProblem",
    "DeliveryReport",
    "NoSmtpConfigured",
    "NoticeTemplates",
    "OutboxRow",
    "OutgoingEmail",
    "TemplateProblem",
    "backoff",
    "build_email",
    "case_subject",
    "check_address",
    "check_notice_settings",
    "deliver_pending",
    "list_outbox",
    "load_notice_templates",
    "queue_case_update_email",
    "queue_email",
    "queue_new_message_notice",
]
