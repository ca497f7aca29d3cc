"""exchange plugin: identity, partners, shares, messages, received alerts, tombstones

Revision ID: exchange_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "exchange_0001"
down_revision = None
branch_labels = ("exchange",)
depends_on = "0008_second_factor_lockout"


def upgrade():
    op.create_table(
        "plg_exchange_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_exchange_identity")),
    )
    op.create_table(
        "plg_exchange_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("inbox_url", sa.String(length=500), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_delivery_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_exchange_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_plg_exchange_partners_name")),
        sa.UniqueConstraint("sender", name=op.f("uq_plg_exchange_partners_sender")),
    )
    op.create_table(
        "plg_exchange_shares",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_plg_exchange_shares_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["plg_exchange_partners.id"],
            name=op.f("fk_plg_exchange_shares_partner_id_plg_exchange_partners"),
        ),
        sa.PrimaryKeyConstraint("alert_id", "partner_id", name=op.f("pk_plg_exchange_shares")),
    )
    op.create_table(
        "plg_exchange_received",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("sent", sa.String(length=25), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=True),
        sa.Column("description_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("age_estimate", sa.String(length=20), nullable=True),
        sa.Column("adopted_alert_id", sa.Integer(), nullable=True),
        sa.Column("adopted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["plg_exchange_partners.id"],
            name=op.f("fk_plg_exchange_received_partner_id_plg_exchange_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["adopted_alert_id"],
            ["alerts.id"],
            name=op.f("fk_plg_exchange_received_adopted_alert_id_alerts"),
        ),
        sa.ForeignKeyConstraint(
            ["adopted_by_id"],
            ["users.id"],
            name=op.f("fk_plg_exchange_received_adopted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_exchange_received")),
        sa.UniqueConstraint(
            "sender", "identifier", "sent", name=op.f("uq_plg_exchange_received_sender_identifier_sent")
        ),
    )
    op.create_table(
        "plg_exchange_received_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data_sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["received_id"],
            ["plg_exchange_received.id"],
            name=op.f("fk_plg_exchange_received_images_received_id_plg_exchange_received"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_exchange_received_images")),
    )
    op.create_index(
        op.f("ix_plg_exchange_received_images_received_id"),
        "plg_exchange_received_images",
        ["received_id"],
    )
    op.create_table(
        "plg_exchange_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("msg_type", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("sent", sa.String(length=25), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("received_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("key_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["plg_exchange_partners.id"],
            name=op.f("fk_plg_exchange_messages_partner_id_plg_exchange_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["received_id"],
            ["plg_exchange_received.id"],
            name=op.f("fk_plg_exchange_messages_received_id_plg_exchange_received"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_exchange_messages")),
        sa.UniqueConstraint(
            "sender", "identifier", "sent", name=op.f("uq_plg_exchange_messages_sender_identifier_sent")
        ),
    )
    op.create_index(
        op.f("ix_plg_exchange_messages_partner_id"), "plg_exchange_messages", ["partner_id"]
    )
    op.create_index(
        op.f("ix_plg_exchange_messages_alert_id"), "plg_exchange_messages", ["alert_id"]
    )
    op.create_table(
        "plg_exchange_tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("sent", sa.String(length=25), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_exchange_tombstones")),
        sa.UniqueConstraint(
            "sender", "identifier", "sent", name=op.f("uq_plg_exchange_tombstones_sender_identifier_sent")
        ),
    )


def downgrade():
    op.drop_table("plg_exchange_tombstones")
    op.drop_index(op.f("ix_plg_exchange_messages_alert_id"), table_name="plg_exchange_messages")
    op.drop_index(op.f("ix_plg_exchange_messages_partner_id"), table_name="plg_exchange_messages")
    op.drop_table("plg_exchange_messages")
    op.drop_index(
        op.f("ix_plg_exchange_received_images_received_id"),
        table_name="plg_exchange_received_images",
    )
    op.drop_table("plg_exchange_received_images")
    op.drop_table("plg_exchange_received")
    op.drop_table("plg_exchange_shares")
    op.drop_table("plg_exchange_partners")
    op.drop_table("plg_exchange_identity")
