"""support business hours: deadlines in business minutes (first response, next response,
resolution), at-risk notices, response figures kept per staff reply; the hours of
KEYSHOP_SUPPORT_DEADLINES, where set, become stored targets in minutes

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 09:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

KINDS = ('presale', 'problem', 'service')
SETTING_KEYS = (
    'support_timezone', 'support_holidays', 'support_warn_percent', 'support_warn_minutes_before',
    *(f'support_hours_{day}' for day in ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
    *(f'support_{t}_minutes_{k}' for t in ('first_response', 'next_response', 'resolution') for k in KINDS),
)


def upgrade():
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_owed_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reply_warn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reply_warned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_warn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_warned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_notified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('resolution_minutes', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_conversations_reply_warn_at'), ['reply_warn_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_resolution_due_at'), ['resolution_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_resolution_warn_at'), ['resolution_warn_at'], unique=False)

    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response', sa.String(length=8), server_default='', nullable=False))
        batch_op.add_column(sa.Column('response_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('response_due_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_conversation_messages_response'), ['response'], unique=False)

    # An answer owed now is owed since the first buyer message after the latest staff reply.
    op.execute(
        "UPDATE conversations SET reply_owed_since = COALESCE(("
        " SELECT MIN(m.created_at) FROM conversation_messages m WHERE m.conversation_id = conversations.id"
        " AND m.author_kind = 'buyer' AND m.id > COALESCE((SELECT MAX(s.id) FROM conversation_messages s"
        " WHERE s.conversation_id = conversations.id AND s.author_kind = 'staff'), 0)), created_at)"
        " WHERE reply_due_at IS NOT NULL"
    )
    _targets_from_environment()


def _targets_from_environment():
    """KEYSHOP_SUPPORT_DEADLINES (hours per kind) keeps its meaning as stored targets in minutes
    (first and next response), which the owner then edits on the settings page."""
    from flask import current_app

    hours = current_app.config['KEYSHOP'].support_deadline_hours
    if set(hours.values()) == {48}:
        return  # the default: the targets stay empty and follow it
    settings = sa.table('shop_settings', sa.column('key', sa.String), sa.column('value', sa.Text))
    audit = sa.table(
        'audit_log', sa.column('actor', sa.String), sa.column('action', sa.String), sa.column('target', sa.String),
        sa.column('reason', sa.String), sa.column('detail', sa.String), sa.column('created_at', sa.DateTime),
    )
    taken = {row[0] for row in op.get_bind().execute(sa.select(settings.c.key))}
    rows = [
        {'key': f'support_{target}_minutes_{kind}', 'value': str(hours[kind] * 60)}
        for target in ('first_response', 'next_response') for kind in KINDS
        if f'support_{target}_minutes_{kind}' not in taken
    ]
    op.bulk_insert(settings, rows)
    op.bulk_insert(audit, [
        {'actor': 'system', 'action': 'shop.settings.changed', 'target': row['key'],
         'reason': 'migration 0028: KEYSHOP_SUPPORT_DEADLINES in minutes', 'detail': row['value'],
         'created_at': datetime.now(UTC).replace(tzinfo=None)}
        for row in rows
    ])


def downgrade():
    settings = sa.table('shop_settings', sa.column('key', sa.String))
    op.execute(settings.delete().where(settings.c.key.in_(SETTING_KEYS)))
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_messages_response'))
        batch_op.drop_column('response_due_at')
        batch_op.drop_column('response_minutes')
        batch_op.drop_column('response')

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversations_resolution_warn_at'))
        batch_op.drop_index(batch_op.f('ix_conversations_resolution_due_at'))
        batch_op.drop_index(batch_op.f('ix_conversations_reply_warn_at'))
        batch_op.drop_column('resolution_minutes')
        batch_op.drop_column('resolved_by')
        batch_op.drop_column('resolution_notified_at')
        batch_op.drop_column('resolution_warned_at')
        batch_op.drop_column('resolution_warn_at')
        batch_op.drop_column('resolution_due_at')
        batch_op.drop_column('reply_warned_at')
        batch_op.drop_column('reply_warn_at')
        batch_op.drop_column('reply_owed_since')
