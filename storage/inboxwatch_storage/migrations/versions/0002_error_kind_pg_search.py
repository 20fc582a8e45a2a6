"""mailbox error kinds; capture quarantine; PostgreSQL full-text search index

Revision ID: 0002
Revises: 0001

``mailboxstate.last_error_kind`` lets ``status`` tell a rejected login (exit 3) from a
network failure, and ``run`` back off for long after one. ``rawcapture.error`` and
``attempts`` quarantine a capture whose processing failed, so it never blocks the mail
behind it. On PostgreSQL, the GIN index that
makes ``--search`` mean what it means on SQLite (every word, as a prefix); SQLite's FTS5
tables are made by 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from inboxwatch_storage.engine import PG_SEARCH_INDEX, create_fulltext_index

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mailboxstate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error_kind',
                                      sqlmodel.sql.sqltypes.AutoString(length=20),
                                      nullable=True))
    with op.batch_alter_table('rawcapture', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
    if op.get_bind().dialect.name == "postgresql":
        create_fulltext_index(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_SEARCH_INDEX}")
    with op.batch_alter_table('rawcapture', schema=None) as batch_op:
        batch_op.drop_column('attempts')
        batch_op.drop_column('error')
    with op.batch_alter_table('mailboxstate', schema=None) as batch_op:
        batch_op.drop_column('last_error_kind')
