"""example plugin: event counts

Revision ID: example_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "example_0001"
down_revision = None
branch_labels = ("example",)
depends_on = None


def upgrade():
    op.create_table(
        "plg_example_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=50), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_example_events")),
    )


def downgrade():
    op.drop_table("plg_example_events")
