"""held report deadlines: a held report's first-decision due time, its warning and overdue marks;
reports remember the buyer's folded mailbox (the limits count by it); a batch remembers that staff
quarantined or revoked it (a refunded order's unshown codes then follow it, not back to sale)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('code_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_mailbox', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('held_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decision_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('due_warned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('overdue_notified_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_code_reports_buyer_mailbox'), ['buyer_mailbox'], unique=False)
        batch_op.create_index(batch_op.f('ix_code_reports_decision_due_at'), ['decision_due_at'], unique=False)

    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn', sa.String(length=16), server_default='', nullable=False))

    _fold_mailboxes()
    _withdrawn_batches()


def _fold_mailboxes():
    """The same folding as app.core.abuse.mailbox (kept here: a migration never imports the app)."""
    bind = op.get_bind()
    reports = sa.table('code_reports', sa.column('id', sa.Integer), sa.column('buyer_email', sa.String),
                       sa.column('buyer_mailbox', sa.String))
    for report_id, email in bind.execute(sa.select(reports.c.id, reports.c.buyer_email)).all():
        local, _, domain = email.strip().casefold().rpartition('@')
        folded = f"{local.split('+', 1)[0]}@{domain}"
        bind.execute(sa.update(reports).where(reports.c.id == report_id).values(buyer_mailbox=folded))


def _withdrawn_batches():
    """A batch whose unsold codes are all revoked was revoked; all quarantined (none on sale), quarantined."""
    bind = op.get_bind()
    for state in ('revoked', 'quarantined'):
        bind.execute(sa.text(
            "UPDATE batches SET withdrawn = :state WHERE withdrawn = '' "
            "AND EXISTS (SELECT 1 FROM codes WHERE codes.batch_id = batches.id AND codes.status = :state) "
            "AND NOT EXISTS (SELECT 1 FROM codes WHERE codes.batch_id = batches.id AND codes.status = 'available')"
        ), {'state': state})


def downgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('withdrawn')

    with op.batch_alter_table('code_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_reports_decision_due_at'))
        batch_op.drop_index(batch_op.f('ix_code_reports_buyer_mailbox'))
        batch_op.drop_column('overdue_notified_at')
        batch_op.drop_column('due_warned_at')
        batch_op.drop_column('decision_due_at')
        batch_op.drop_column('held_at')
        batch_op.drop_column('buyer_mailbox')
