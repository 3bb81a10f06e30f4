"""check-ins, quiet-hour exemptions and lookup indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:41:23.574497
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commbot.models.base


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('checkin_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('days', sa.String(length=40), nullable=False),
    sa.Column('time', sa.String(length=5), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=True),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('question_language', sa.String(length=16), nullable=True),
    sa.Column('digest_after_hours', sa.Integer(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('created_at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_checkin_plans_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_checkin_plans_staff_id_staff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_checkin_plans_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_plans'))
    )
    with op.batch_alter_table('checkin_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_plans_staff_id'), ['staff_id'], unique=False)

    op.create_table('staff_dialogs',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('updated_at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_dialogs_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_staff_dialogs'))
    )
    op.create_table('checkin_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('due_at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fired_at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('digest_due_at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('digest_sent_at', commbot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['checkin_plans.id'], name=op.f('fk_checkin_runs_plan_id_checkin_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_runs')),
    sa.UniqueConstraint('plan_id', 'timezone', 'due_at', name=op.f('uq_checkin_runs_plan_id_timezone_due_at'))
    )
    with op.batch_alter_table('checkin_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_runs_digest_due_at'), ['digest_due_at'], unique=False)

    op.create_table('checkin_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('next_due_at', commbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['checkin_plans.id'], name=op.f('fk_checkin_schedules_plan_id_checkin_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_schedules')),
    sa.UniqueConstraint('plan_id', 'timezone', name=op.f('uq_checkin_schedules_plan_id_timezone'))
    )
    with op.batch_alter_table('checkin_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_schedules_next_due_at'), ['next_due_at'], unique=False)

    with op.batch_alter_table('contact_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_points_guardian_id'), ['guardian_id'], unique=False)

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skip_quiet_hours', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_deliveries_contact_point_id'), ['contact_point_id'], unique=False)

    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardianships_student_id'), ['student_id'], unique=False)

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.create_index('ix_threads_guardian', ['guardian_id', 'last_staff_message_at'], unique=False)
        batch_op.create_index('ix_threads_staff_guardian', ['staff_id', 'guardian_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_staff_guardian')
        batch_op.drop_index('ix_threads_guardian')

    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardianships_student_id'))

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_contact_point_id'))
        batch_op.drop_column('skip_quiet_hours')

    with op.batch_alter_table('contact_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_points_guardian_id'))

    with op.batch_alter_table('checkin_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_schedules_next_due_at'))

    op.drop_table('checkin_schedules')
    with op.batch_alter_table('checkin_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_runs_digest_due_at'))

    op.drop_table('checkin_runs')
    op.drop_table('staff_dialogs')
    with op.batch_alter_table('checkin_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_plans_staff_id'))

    op.drop_table('checkin_plans')
