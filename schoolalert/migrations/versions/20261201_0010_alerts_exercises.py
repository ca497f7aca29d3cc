"""alerts: exercise alerts, and the locations opted in to exercises with their history

Revision ID: 0010_exercises
Revises: 0009_response_history
Create Date: 2026-12-01 23:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_exercises'
down_revision = '0009_response_history'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('exercise', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        'exercise_opt_ins',
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('opted_in_at', sa.DateTime(), nullable=False),
        sa.Column('opted_in_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_exercise_opt_ins_board_id_boards')),
        sa.ForeignKeyConstraint(['opted_in_by_id'], ['users.id'], name=op.f('fk_exercise_opt_ins_opted_in_by_id_users')),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exercise_opt_ins_school_id_schools')),
        sa.PrimaryKeyConstraint('school_id', name=op.f('pk_exercise_opt_ins')),
    )
    with op.batch_alter_table('exercise_opt_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_opt_ins_board_id'), ['board_id'], unique=False)
    op.create_table(
        'exercise_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column(
            'action',
            sa.Enum('grant', 'withdraw', name='consentaction', native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_exercise_changes_actor_id_users')),
        sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_exercise_changes_board_id_boards')),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exercise_changes_school_id_schools')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_changes')),
    )
    with op.batch_alter_table('exercise_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_changes_board_id'), ['board_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exercise_changes_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_exercise_changes_school_id'), ['school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('exercise_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_changes_school_id'))
        batch_op.drop_index(batch_op.f('ix_exercise_changes_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_exercise_changes_board_id'))
    op.drop_table('exercise_changes')
    with op.batch_alter_table('exercise_opt_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_opt_ins_board_id'))
    op.drop_table('exercise_opt_ins')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('exercise')
