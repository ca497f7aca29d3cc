"""alerts: every answer of a response is kept (its history), with the tip it carried

Revision ID: 0009_response_history
Revises: 0008_second_factor_lockout
Create Date: 2026-12-01 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_response_history'
down_revision = '0008_second_factor_lockout'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'response_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column(
            'kind',
            sa.Enum('recognised', 'not_recognised', name='responsekind', native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column('tip_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_response_revisions_alert_id_alerts')),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_revisions_response_id_responses')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_response_revisions')),
    )
    with op.batch_alter_table('response_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_revisions_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_response_revisions_response_id'), ['response_id'], unique=False)
    # The answers given so far: each response's current state is its first known revision.
    op.execute(
        'INSERT INTO response_revisions (response_id, alert_id, kind, tip_sealed, created_at) '
        'SELECT id, alert_id, kind, tip_sealed, updated_at FROM responses'
    )


def downgrade():
    with op.batch_alter_table('response_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_revisions_response_id'))
        batch_op.drop_index(batch_op.f('ix_response_revisions_alert_id'))
    op.drop_table('response_revisions')
