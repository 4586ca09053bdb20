"""Answer records and corrections: what each posted answer cited, and the notes sent since.

Adds ``answers`` (every answer a surface posted with citations: where, the member's and the
posted message ids, the question, capped like escalations, and the cited chunks, sources and
titles) and ``corrections`` (one row per thread and changed document: the note that tells the
thread a document it was given was superseded, expired or removed; unique per thread and
document, with a lease and retry bookkeeping, so two bot replicas post it once).

Like 0001 and 0002, the columns are written out here rather than imported from the model.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace", sa.String(64)),
        sa.Column("channel", sa.String(64)),
        sa.Column("thread", sa.String(64)),
        sa.Column("asker", sa.String(64)),
        sa.Column("reply_in", sa.String(16), nullable=False, server_default="thread"),
        sa.Column("private", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("message", sa.String(64)),
        sa.Column("posted", sa.String(128)),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("question_chars", sa.Integer),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_answers_created_at", "answers", ["created_at"])
    op.create_index("ix_answers_posted", "answers", ["posted"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("thread_key", sa.String(255), nullable=False),
        sa.Column("document", sa.String(255), nullable=False),
        sa.Column("answer_id", sa.Integer, nullable=False),
        sa.Column("change", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.Column("retry_at", sa.DateTime(timezone=True)),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("thread_key", "document", name="uq_corrections_thread_document"),
    )
    op.create_index("ix_corrections_posted_at", "corrections", ["posted_at"])


def downgrade() -> None:
    op.drop_index("ix_corrections_posted_at", "corrections")
    op.drop_table("corrections")
    op.drop_index("ix_answers_posted", "answers")
    op.drop_index("ix_answers_created_at", "answers")
    op.drop_table("answers")
