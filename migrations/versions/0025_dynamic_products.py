"""dynamic products: a product's delivery (codes from stock, or from the seller's URL at the moment
of sale) and each dynamic product's URL and signing secret, sealed with the keyring

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 06:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.String(length=8), server_default='stock', nullable=False))

    op.create_table(
        'dynamic_sources',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('url_sealed', sa.Text(), nullable=False),
        sa.Column('url_hint', sa.String(length=80), nullable=False),
        sa.Column('secret_sealed', sa.Text(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], ),
        sa.PrimaryKeyConstraint('product_id'),
    )


def downgrade():
    op.drop_table('dynamic_sources')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('delivery')
