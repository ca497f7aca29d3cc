"""alerts: a school confirms once that its staff looked at an alert (the nil return); reminders

Revision ID: 0011_school_confirmations
Revises: 0010_exercises
Create Date: 2026-12-01 23:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_school_confirmations'
down_revision = '0010_exercises'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'school_confirmations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column(
            'outcome',
            sa.Enum('nobody_recognises', 'recognised', name='confirmationoutcome', native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_school_confirmations_alert_id_alerts')),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_confirmations_school_id_schools')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_school_confirmations_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_school_confirmations')),
        sa.UniqueConstraint('alert_id', 'school_id', name=op.f('uq_school_confirmations_alert_id_school_id')),
    )
    with op.batch_alter_table('school_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_confirmations_alert_id'), ['alert_id'], unique=False)
    op.create_table(
        'alert_reminders',
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column(
            'kind',
            sa.Enum('view', 'confirm', name='reminderkind', native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column('schools', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_reminders_alert_id_alerts')),
        sa.PrimaryKeyConstraint('alert_id', 'kind', name=op.f('pk_alert_reminders')),
    )


def downgrade():
    op.drop_table('alert_reminders')
    with op.batch_alter_table('school_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_confirmations_alert_id'))
    op.drop_table('school_confirmations')
