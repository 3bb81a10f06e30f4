"""early status reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:51:36.444632
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commbot.models.base


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('early_status_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_message_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('received_at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_early_status_reports'))
    )
    with op.batch_alter_table('early_status_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_early_status_reports_provider_message_id'), ['provider_message_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('early_status_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_early_status_reports_provider_message_id'))

    op.drop_table('early_status_reports')
