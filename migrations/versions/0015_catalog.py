"""catalog in the admin: product images, categories, per-order maximum, archived products, the logo

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_images'))
    )
    op.create_index('ix_images_kind_retired', 'images', ['kind', 'retired'], unique=False)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('category', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('image_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_per_order', sa.Integer(), server_default='10', nullable=False))
        batch_op.create_index(batch_op.f('ix_products_category'), ['category'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_products_image_id_images'), 'images', ['image_id'], ['id'])


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_products_image_id_images'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_products_category'))
        batch_op.drop_column('max_per_order')
        batch_op.drop_column('image_id')
        batch_op.drop_column('category')
        batch_op.drop_column('archived')
    op.drop_index('ix_images_kind_retired', table_name='images')
    op.drop_table('images')
