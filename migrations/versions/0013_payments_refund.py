"""payments refund safety and settling reviewed payments

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # Amounts a provider reports can exceed 2^31 minor units (a mismatch is recorded, not refused).
    # A flagged payment is one staff must look at: a mismatch, or money beyond what paid the order;
    # flag_state says what staff decided ('' open, 'accepted', 'refunded').
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.alter_column('amount_minor', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('flag', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('flag_state', sa.String(length=16), nullable=False, server_default=''))
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.alter_column('amount_minor', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)
        # the sweep and the stuck-refund list read requested refunds by age
        batch_op.create_index('ix_refunds_status_created_at', ['status', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_refunds_status_created_at')
        batch_op.alter_column('amount_minor', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('flag_state')
        batch_op.drop_column('flag')
        batch_op.alter_column('amount_minor', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)
