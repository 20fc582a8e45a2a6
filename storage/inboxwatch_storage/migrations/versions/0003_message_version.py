"""message versions for compare-and-set

Revision ID: 0003
Revises: 0002

``message.version`` starts at 1 and is bumped by every change to the message. An
operator's action carries the version they saw; when a colleague changed the message in
the meantime the action is refused and says who changed what, instead of silently
overwriting it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('version')
