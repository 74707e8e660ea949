"""callbacks: the call back owed to each missed call, with its due time

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'callbacks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_how', sa.String(length=20), nullable=True),
        sa.Column('done_call_id', sa.Integer(), nullable=True),
        sa.Column('done_by', sa.String(length=40), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['done_call_id'], ['calls.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('call_id'),
    )
    op.create_index('ix_callbacks_phone', 'callbacks', ['phone'], unique=False)
    op.create_index('ix_callbacks_department', 'callbacks', ['department'], unique=False)
    op.create_index('ix_callbacks_due_at', 'callbacks', ['due_at'], unique=False)
    op.create_index('ix_callbacks_status', 'callbacks', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_callbacks_status', table_name='callbacks')
    op.drop_index('ix_callbacks_due_at', table_name='callbacks')
    op.drop_index('ix_callbacks_department', table_name='callbacks')
    op.drop_index('ix_callbacks_phone', table_name='callbacks')
    op.drop_table('callbacks')
