"""photo consent per child

Consent moves from the guardian to each guardian–student link. Upgrade copies a guardian's
value onto every one of their links, so nobody gains or loses consent. Downgrade keeps the
strictest value among a guardian's links (none, then individual, then group), so a
downgrade never shares more than some child's family allowed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _photo_consent() -> sa.Enum:
    return sa.Enum('none', 'individual', 'group', name='photo_consent', native_enum=False, create_constraint=True)


def upgrade() -> None:
    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_consent', _photo_consent(), nullable=False, server_default='none'))

    op.execute(
        "UPDATE guardianships SET photo_consent = ("
        "SELECT guardians.photo_consent FROM guardians "
        "WHERE guardians.id = guardianships.guardian_id)"
    )

    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.alter_column('photo_consent', server_default=None)

    with op.batch_alter_table('guardians', schema=None) as batch_op:
        # Named explicitly: SQLite's table copy would otherwise keep the column's CHECK.
        batch_op.drop_constraint(batch_op.f('ck_guardians_photo_consent'), type_='check')
        batch_op.drop_column('photo_consent')


def downgrade() -> None:
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_consent', _photo_consent(), nullable=False, server_default='none'))

    # The least-shared value wins: rank each link, keep the guardian's minimum; a guardian
    # without links (MIN is NULL) gets 'none'.
    op.execute(
        "UPDATE guardians SET photo_consent = COALESCE(("
        "SELECT CASE MIN(CASE g.photo_consent WHEN 'none' THEN 0 WHEN 'individual' THEN 1 "
        "WHEN 'group' THEN 2 END) WHEN 0 THEN 'none' WHEN 1 THEN 'individual' "
        "WHEN 2 THEN 'group' END "
        "FROM guardianships g WHERE g.guardian_id = guardians.id), 'none')"
    )

    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.alter_column('photo_consent', server_default=None)

    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_guardianships_photo_consent'), type_='check')
        batch_op.drop_column('photo_consent')
