"""outbox leases and hand-overs, skipped notification reasons

Revision ID: 0007_outbox_leases
Revises: 0006_keystore
Create Date: 2026-12-01 19:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_outbox_leases'
down_revision = '0006_keystore'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handovers', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skip_reason', sa.Enum('inactive', 'stale', 'refused', name='skipreason', native_enum=False, length=12), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('skip_reason')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('failing_since')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
        batch_op.drop_column('handovers')
