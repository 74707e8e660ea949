"""calls.updated_at: when a call's row last changed, for the reports' in-memory frame

Revision ID: 0006
Revises: 0005

The reports keep the call log in memory (telephony/reports/frame.py) and read
only the rows changed since they last looked: `updated_at >= last look −
report_frame_window_s`, through ix_calls_updated_at.

Existing rows keep NULL (nothing to rewrite: the frame's first load reads every
row anyway). New rows get the database's clock from the ORM (models.db_now),
and on PostgreSQL also from the column's default, for rows inserted by hand.
SQLite can't add a column with a non-constant default, so there the writers
set it.

models.py keeps it in sync with:
    Call.updated_at = mapped_column(DateTime(timezone=True), default=db_now(), onupdate=db_now(), index=True)
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('calls', sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':  # a default for new rows only: no rewrite
        op.execute("ALTER TABLE calls ALTER COLUMN updated_at SET DEFAULT clock_timestamp()")
    op.create_index('ix_calls_updated_at', 'calls', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_calls_updated_at', table_name='calls')
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_column('updated_at')
