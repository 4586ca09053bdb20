"""The staff loop: where replies go, delivery and retry bookkeeping, replicas, retention.

Adds to ``escalations`` the reply route (thread, channel or direct message) and privacy of
the question, the member's message id, the original question length (questions are capped),
delivery attempts and errors for staff answers, a retry time and a lease (so one of several
bot processes works on an item), revisions (so stale staff posts are refreshed) and when the
item was resolved (for retention). Adds ``seen_events`` (platform events already handled, by
any replica) and ``desks`` (when each running bot last looked at the queue).

Like 0001, the columns are written out here rather than imported from the model.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(
            sa.Column("reply_in", sa.String(16), nullable=False, server_default="thread")
        )
        batch.add_column(
            sa.Column("private", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("message", sa.String(64)))
        batch.add_column(sa.Column("question_chars", sa.Integer))
        batch.add_column(
            sa.Column("relay_attempts", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("relay_error", sa.Text))
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("lease_owner", sa.String(64)))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("posted_revision", sa.Integer))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True)))
    # Items already posted before this revision show their current state.
    op.execute("UPDATE escalations SET posted_revision = 1 WHERE staff_ref IS NOT NULL")
    op.execute("UPDATE escalations SET resolved_at = updated_at WHERE state = 'resolved'")
    op.create_table(
        "seen_events",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_seen_events_expires_at", "seen_events", ["expires_at"])
    op.create_table(
        "desks",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("desks")
    op.drop_index("ix_seen_events_expires_at", "seen_events")
    op.drop_table("seen_events")
    with op.batch_alter_table("escalations") as batch:
        for column in (
            "resolved_at",
            "posted_revision",
            "revision",
            "lease_until",
            "lease_owner",
            "retry_at",
            "relay_error",
            "relay_attempts",
            "question_chars",
            "message",
            "private",
            "reply_in",
        ):
            batch.drop_column(column)
