"""chat channels: Apprise URLs (sealed) and the outbox of the events each is owed

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 20:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chat_channels',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('url_sealed', sa.Text(), nullable=False),
        sa.Column('url_hint', sa.String(length=80), nullable=False),
        sa.Column('events', sa.Text(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'chat_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['channel_id'], ['chat_channels.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel_id', 'key', name='uq_chat_messages_channel_key'),
    )
    op.create_index('ix_chat_messages_status_channel', 'chat_messages', ['status', 'channel_id'], unique=False)
    op.create_index('ix_chat_messages_key', 'chat_messages', ['key'], unique=False)


def downgrade():
    op.drop_index('ix_chat_messages_key', table_name='chat_messages')
    op.drop_index('ix_chat_messages_status_channel', table_name='chat_messages')
    op.drop_table('chat_messages')
    op.drop_table('chat_channels')
