"""reconciliation: the checkouts each provider is asked about until paid or past their deadline

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 19:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payment_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=32), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('next_check_at', sa.DateTime(), nullable=True),
        sa.Column('rounds', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_state', sa.String(length=16), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider', 'reference', name='uq_payment_checks_provider_reference'),
    )
    op.create_index('ix_payment_checks_order_id', 'payment_checks', ['order_id'], unique=False)
    op.create_index('ix_payment_checks_next_check_at', 'payment_checks', ['next_check_at'], unique=False)


def downgrade():
    op.drop_index('ix_payment_checks_next_check_at', table_name='payment_checks')
    op.drop_index('ix_payment_checks_order_id', table_name='payment_checks')
    op.drop_table('payment_checks')
