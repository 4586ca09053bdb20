"""The escalation queue and member feedback.

The columns repeat ``bot/storage/schema.py`` on purpose: a migration is a frozen record of
the schema at this revision and must never import the current model, or later changes to the
model would silently rewrite history.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace", sa.String(64)),
        sa.Column("channel", sa.String(64)),
        sa.Column("thread", sa.String(64)),
        sa.Column("asker", sa.String(64)),
        sa.Column("event_id", sa.String(128)),
        sa.Column("link", sa.Text),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("passages", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("assignee", sa.String(128)),
        sa.Column("staff_answer", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_ref", sa.String(128)),
        sa.Column("notified_at", sa.DateTime(timezone=True)),
        sa.Column("notify_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("notify_error", sa.Text),
        sa.Column("relayed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("platform", "event_id", name="uq_escalations_platform_event"),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user", sa.String(64)),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer_ref", sa.String(128)),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("escalations")
