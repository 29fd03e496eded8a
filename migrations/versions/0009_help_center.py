"""help center: articles per language, readers' events, proactive notices

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 12:14:04.111392

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('help_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('names', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_help_categories_slug'))
    )
    op.create_table('help_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('visitor', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_events')),
    sa.UniqueConstraint('article_id', 'visitor', 'kind', name=op.f('uq_help_events_article_id_visitor_kind'))
    )
    with op.batch_alter_table('help_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_events_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_events_created_at'), ['created_at'], unique=False)

    op.create_table('help_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['help_categories.id'], name=op.f('fk_help_articles_category_id_help_categories')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_help_articles_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_articles')),
    sa.UniqueConstraint('slug', name=op.f('uq_help_articles_slug'))
    )
    with op.batch_alter_table('help_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_articles_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_articles_product_id'), ['product_id'], unique=False)

    op.create_table('help_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['help_articles.id'], name=op.f('fk_help_texts_article_id_help_articles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_texts')),
    sa.UniqueConstraint('article_id', 'locale', name=op.f('uq_help_texts_article_id_locale'))
    )
    with op.batch_alter_table('help_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_texts_article_id'), ['article_id'], unique=False)

    op.create_table('proactive_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('visitor', sa.String(length=32), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_proactive_notices_order_id_orders')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_proactive_notices_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proactive_notices')),
    sa.UniqueConstraint('kind', 'subject', name=op.f('uq_proactive_notices_kind_subject'))
    )
    with op.batch_alter_table('proactive_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proactive_notices_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proactive_notices_visitor'), ['visitor'], unique=False)
    _create_search_table()


def _create_search_table():
    """help_search: what feedback/help/search.py ranks by, one row per text. SQLite: an FTS5 table
    (bm25); PostgreSQL: a weighted tsvector with a GIN index."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE help_search USING fts5("
                   "text_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')")
    else:
        op.execute("CREATE TABLE help_search (text_id integer PRIMARY KEY REFERENCES help_texts(id) "
                   "ON DELETE CASCADE, document tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_help_search_document ON help_search USING gin (document)")


def downgrade():
    op.execute("DROP TABLE help_search")
    with op.batch_alter_table('proactive_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proactive_notices_visitor'))
        batch_op.drop_index(batch_op.f('ix_proactive_notices_order_id'))

    op.drop_table('proactive_notices')
    with op.batch_alter_table('help_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_texts_article_id'))

    op.drop_table('help_texts')
    with op.batch_alter_table('help_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_articles_product_id'))
        batch_op.drop_index(batch_op.f('ix_help_articles_category_id'))

    op.drop_table('help_articles')
    with op.batch_alter_table('help_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_help_events_article_id'))

    op.drop_table('help_events')
    op.drop_table('help_categories')
