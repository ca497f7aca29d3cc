"""exchange plugin: a partner accepts exercises (CAP status Exercise) or not

Revision ID: exchange_0002
Revises: exchange_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "exchange_0002"
down_revision = "exchange_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plg_exchange_partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("accepts_exercises", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("plg_exchange_partners", schema=None) as batch_op:
        batch_op.drop_column("accepts_exercises")
