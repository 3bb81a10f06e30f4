"""lease hand-over state (holder's name, last send, provider pause) and each delivery's
first attempt (the start of its retry budget)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commbot.models.base

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, commbot.models.base.UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table('sender_leases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_name', sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column('released', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(_when('last_send_at'))
        batch_op.add_column(_when('paused_until'))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(_when('first_attempt_at'))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('first_attempt_at')
    with op.batch_alter_table('sender_leases', schema=None) as batch_op:
        batch_op.drop_column('paused_until')
        batch_op.drop_column('last_send_at')
        batch_op.drop_column('released')
        batch_op.drop_column('holder_name')
