"""staff notifications: which events each member is told of, and how

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 16:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_notifications',
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('mode', sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
        sa.PrimaryKeyConstraint('staff_id', 'event'),
    )


def downgrade():
    op.drop_table('staff_notifications')
