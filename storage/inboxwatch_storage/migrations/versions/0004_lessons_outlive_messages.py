"""operators' lessons keep their tokens and outlive the purge of their message

Revision ID: 0004
Revises: 0003

``classifierfeedback.tokens`` holds what the classifier learned from the message (its
tokens when the operator taught it), so a purge that removes the message for good no
longer removes the lesson: ``message_pk`` becomes NULL instead. Lessons recorded before
this revision keep an empty list and are read from their message while it exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('classifierfeedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tokens', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.alter_column('message_pk', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM classifierfeedback WHERE message_pk IS NULL")
    with op.batch_alter_table('classifierfeedback', schema=None) as batch_op:
        batch_op.alter_column('message_pk', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('tokens')
