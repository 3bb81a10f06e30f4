"""translation cache, language choices, back-translation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:05:07.957398
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commbot.models.base


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('translation_cache',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_language', sa.String(length=16), nullable=False),
    sa.Column('target_language', sa.String(length=16), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('translated', sa.Text(), nullable=False),
    sa.Column('backend', sa.String(length=32), nullable=False),
    sa.Column('created_at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_cache')),
    sa.UniqueConstraint('source_language', 'target_language', 'text_hash', name='uq_translation_cache_key')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('back_translate_via', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('explain_terms', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('pending_choices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('child', 'language', name='choice_kind', native_enum=False, create_constraint=True), nullable=False, server_default='child'))
        batch_op.drop_constraint(batch_op.f('uq_pending_choices_guardian_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_pending_choices_guardian_id_kind'), ['guardian_id', 'kind'])



def downgrade() -> None:
    with op.batch_alter_table('pending_choices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_pending_choices_guardian_id_kind'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_pending_choices_guardian_id'), ['guardian_id'])
        batch_op.drop_column('kind')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('explain_terms')
        batch_op.drop_column('back_translate_via')

    op.drop_table('translation_cache')
