"""report indexes: covering indexes for the supervisors' reports

Revision ID: 0003
Revises: 0002

- ix_calls_report: the reports scan calls by started_at range and read only
  these columns, so the range is read from the index alone (SQLite: a
  covering index scan; PostgreSQL: an index-only scan) instead of the wide
  rows (caller names, recording paths, holds...). `id` is in it for the join
  to the verdicts (SQLite has it anyway as the rowid; PostgreSQL needs it).
- ix_audit_verdicts_report: the compliance report joins each call to its
  verdicts and counts them by rule and verdict without reading the evidence.

models.py keeps them in sync with:
    Call.__table_args__ += Index("ix_calls_report", "started_at", "disposition", "rings", "ring_ms",
                                 "queue_wait_ms", "agent", "department", "category", "urgency", "unit", "id")
    AuditVerdict.__table_args__ += Index("ix_audit_verdicts_report", "call_id", "rule", "verdict")
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

CALLS_REPORT = ["started_at", "disposition", "rings", "ring_ms", "queue_wait_ms",
                "agent", "department", "category", "urgency", "unit", "id"]


def upgrade() -> None:
    op.create_index("ix_calls_report", "calls", CALLS_REPORT, unique=False)
    op.create_index("ix_audit_verdicts_report", "audit_verdicts", ["call_id", "rule", "verdict"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_verdicts_report", table_name="audit_verdicts")
    op.drop_index("ix_calls_report", table_name="calls")
