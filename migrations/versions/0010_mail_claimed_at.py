"""mail log: when the current attempt began

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 13:18:28.632486

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mail_log_claimed_at'), ['claimed_at'], unique=False)
    op.execute("UPDATE mail_log SET claimed_at = created_at")


def downgrade():
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_log_claimed_at'))
        batch_op.drop_column('claimed_at')
