"""delivery history: an appended event per attempt and per status report

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commbot.models.base


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    'queued', 'attempt', 'sent', 'retry', 'failed', 'status', 'fallback', 'held', 'cancelled'
)


def upgrade() -> None:
    op.create_table('delivery_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='delivery_event_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('provider_message_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_events_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_events'))
    )
    with op.batch_alter_table('delivery_events', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_events_delivery', ['delivery_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_events', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_events_delivery')

    op.drop_table('delivery_events')
