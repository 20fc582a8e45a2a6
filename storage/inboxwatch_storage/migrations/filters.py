"""What autogenerate and the schema test compare: the models, not the FTS5 shadow tables."""

from __future__ import annotations


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """Leave the full-text index (SQLite FTS5 tables, the PostgreSQL GIN expression index,
    both made by inboxwatch_storage.engine) alone."""
    if type_ == "index" and name == "message_search_idx":
        return False
    return not (type_ == "table" and (name or "").startswith("message_fts"))
