"""reveal and appeals: codes shown on request (products and orders say so, codes remember their
first reveal, every press is logged), and a hidden review's one appeal

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 06:15:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reveal_on_request', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reveal_on_request', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revealed_at', sa.DateTime(), nullable=True))

    op.create_table(
        'code_reveals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('revealed_at', sa.DateTime(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=400), nullable=False),
        sa.Column('codes_shown', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_code_reveals_order_id_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_code_reveals')),
    )
    with op.batch_alter_table('code_reveals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_reveals_order_id'), ['order_id'], unique=False)

    op.create_table(
        'review_appeals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decision', sa.String(length=16), server_default='', nullable=False),
        sa.Column('decided_by', sa.String(length=254), server_default='', nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_appeals_review_id_reviews')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_appeals')),
        sa.UniqueConstraint('review_id', name=op.f('uq_review_appeals_review_id')),
    )
    with op.batch_alter_table('review_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_appeals_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('review_appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_appeals_created_at'))
    op.drop_table('review_appeals')

    with op.batch_alter_table('code_reveals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_reveals_order_id'))
    op.drop_table('code_reveals')

    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.drop_column('revealed_at')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('reveal_on_request')

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('reveal_on_request')
