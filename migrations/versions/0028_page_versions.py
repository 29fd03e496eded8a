"""page versions: one counter, raised in the same transaction as any change a cached storefront
page shows (app.core.page_version)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 09:05:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'page_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('page_versions')
