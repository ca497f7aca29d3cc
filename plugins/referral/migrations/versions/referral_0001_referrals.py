"""referral plugin: organisations, workers, referrals

Revision ID: referral_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "referral_0001"
down_revision = None
branch_labels = ("referral",)
depends_on = "0002_schools"


def upgrade():
    op.create_table(
        "plg_referral_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("regions", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("opening_hours", sa.String(length=200), nullable=False),
        sa.Column("first_contact_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_referral_organisations")),
    )
    op.create_table(
        "plg_referral_workers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_plg_referral_workers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["plg_referral_organisations.id"],
            name=op.f("fk_plg_referral_workers_organisation_id_plg_referral_organisations"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_plg_referral_workers")),
    )
    op.create_index(
        op.f("ix_plg_referral_workers_organisation_id"),
        "plg_referral_workers",
        ["organisation_id"],
    )
    op.create_table(
        "plg_referral_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("phone_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("consent_version", sa.Integer(), nullable=True),
        sa.Column("note_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["plg_referral_organisations.id"],
            name=op.f("fk_plg_referral_referrals_organisation_id_plg_referral_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["users.id"],
            name=op.f("fk_plg_referral_referrals_requester_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_plg_referral_referrals_school_id_schools"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plg_referral_referrals")),
    )
    op.create_index(
        op.f("ix_plg_referral_referrals_organisation_id"),
        "plg_referral_referrals",
        ["organisation_id"],
    )
    op.create_index(
        op.f("ix_plg_referral_referrals_requester_id"), "plg_referral_referrals", ["requester_id"]
    )
    op.create_index(op.f("ix_plg_referral_referrals_state"), "plg_referral_referrals", ["state"])


def downgrade():
    op.drop_table("plg_referral_referrals")
    op.drop_table("plg_referral_workers")
    op.drop_table("plg_referral_organisations")
