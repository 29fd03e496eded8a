"""batch release: when staff last released a batch's hold, where its complaint count starts
again; and which reports the policy held as suspicious (not counted until staff confirm them)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 20:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('code_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspicious', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('code_reports', schema=None) as batch_op:
        batch_op.drop_column('suspicious')

    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('released_at')
