"""mail log: a retry's due time, and what a mail needs that the database does not keep

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 15:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.drop_column('payload')
        batch_op.drop_column('due_at')
