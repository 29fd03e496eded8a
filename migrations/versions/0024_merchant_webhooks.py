"""merchant webhooks: endpoints (URL and secrets sealed), the outbox of messages, the attempts' log

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 06:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url_sealed', sa.Text(), nullable=False),
        sa.Column('url_hint', sa.String(length=120), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('events', sa.Text(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('secret_sealed', sa.Text(), nullable=False),
        sa.Column('previous_secret_sealed', sa.Text(), nullable=True),
        sa.Column('previous_until', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'webhook_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('sequence', sa.String(length=60), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('endpoint_id', 'key', name='uq_webhook_messages_endpoint_key'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index('ix_webhook_messages_endpoint_status', 'webhook_messages', ['endpoint_id', 'status'], unique=False)
    op.create_index('ix_webhook_messages_endpoint_sequence', 'webhook_messages', ['endpoint_id', 'sequence'], unique=False)
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('response_excerpt', sa.String(length=300), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], ),
        sa.ForeignKeyConstraint(['message_id'], ['webhook_messages.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_attempts_message_id', 'webhook_attempts', ['message_id'], unique=False)
    op.create_index('ix_webhook_attempts_endpoint_id', 'webhook_attempts', ['endpoint_id'], unique=False)


def downgrade():
    op.drop_index('ix_webhook_attempts_endpoint_id', table_name='webhook_attempts')
    op.drop_index('ix_webhook_attempts_message_id', table_name='webhook_attempts')
    op.drop_table('webhook_attempts')
    op.drop_index('ix_webhook_messages_endpoint_sequence', table_name='webhook_messages')
    op.drop_index('ix_webhook_messages_endpoint_status', table_name='webhook_messages')
    op.drop_table('webhook_messages')
    op.drop_table('webhook_endpoints')
