"""mail log: owed mail found by status

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 14:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.create_index('ix_mail_log_status_id', ['status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_log_status_id')
