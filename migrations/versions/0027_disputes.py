"""disputes: chargebacks kept once per provider's dispute, their evidence and its submission; the
terms each order's buyer accepted

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 09:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('terms_accepted_at', sa.DateTime(), nullable=True))

    op.create_table(
        'disputes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=32), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=False),
        sa.Column('due_by', sa.DateTime(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('submissions', sa.Integer(), nullable=False),
        sa.Column('sending_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('submitted_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_disputes_order_id_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
        sa.UniqueConstraint('provider', 'reference', name='uq_disputes_provider_reference'),
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disputes_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disputes_state'))
        batch_op.drop_index(batch_op.f('ix_disputes_order_id'))
    op.drop_table('disputes')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('terms_accepted_at')
        batch_op.drop_column('terms_digest')
