"""accounts: failed second-factor codes counted per account, and its lockout

Revision ID: 0008_second_factor_lockout
Revises: 0007_outbox_leases
Create Date: 2026-12-01 20:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_second_factor_lockout'
down_revision = '0007_outbox_leases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('second_factor_failures', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('second_factor_locked_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('second_factor_locked_at')
        batch_op.drop_column('second_factor_failures')
