"""keystore shop-wide code uniqueness, import recovery

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 08:10:00

A code is unique in the whole shop, reusable products aside (issue 17, finding 5): codes gains
`shop_unique` (false for a reusable product's codes) and a partial unique index on the blind index
of the shop-unique ones. Copies already stored in two products before this migration keep their
oldest row shop-unique; the later copies are taken out of the index and, if still unsold,
quarantined so they are never sold twice (staff see them in the stock pages and `keyshop check`).

Every large upload is an `imports` row before its job is enqueued (finding 9), so a lost or killed
import is resumed or failed by the sweeper.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_unique', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(sa.text("UPDATE codes SET shop_unique = :no WHERE product_id IN "
                       "(SELECT id FROM products WHERE reusable = :yes)").bindparams(no=False, yes=True))
    op.execute(sa.text(
        "UPDATE codes SET shop_unique = :no, "
        "status = CASE WHEN status IN ('available', 'staged') THEN 'quarantined' ELSE status END "
        "WHERE shop_unique = :yes AND id NOT IN "
        "(SELECT MIN(id) FROM codes WHERE shop_unique = :yes GROUP BY blind_index)").bindparams(no=False, yes=True))
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.create_index('uq_codes_shop_blind_index', ['blind_index'], unique=True,
                              sqlite_where=sa.text('shop_unique'), postgresql_where=sa.text('shop_unique'))
    _create_imports()


def _create_imports():
    op.create_table(
        'imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('supplier', sa.String(length=200), nullable=False),
        sa.Column('uploaded_by', sa.String(length=254), nullable=False),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('upload_path', sa.String(length=500), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('result', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_imports_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imports')),
    )
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imports_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imports_state'))
    op.drop_table('imports')
    # SQLite rebuilds the table to drop a column; the partial claim index is rebuilt by hand, so its
    # WHERE clause cannot be lost in the copy.
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.drop_index('uq_codes_shop_blind_index')
        batch_op.drop_index('ix_codes_available')
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.drop_column('shop_unique')
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.create_index('ix_codes_available', ['product_id', 'id'], unique=False,
                              sqlite_where=sa.text("status = 'available'"),
                              postgresql_where=sa.text("status = 'available'"))
