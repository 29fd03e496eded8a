"""Help search ranked by relevance, on the database the shop already has: SQLite's FTS5 (bm25) or
PostgreSQL's full-text search (ts_rank), behind one interface. Both index the same terms: words
casefolded, and Chinese and Japanese characters one by one (neither engine segments them), each
query term matching as a prefix so suggestions work while the buyer is still typing."""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

_TERM = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]|[^\W_]+")
STOP_WORDS = frozenset(
    "a an and are as at be can code codes do does for from how i if in is it my of on or the to what when "
    "where which why will with you your der die das ein eine einen ich ist mein meine mit und wie wo was "
    "wann kann ich zu zum zur den dem des".split()
)
TITLE_WEIGHT = 4.0


def terms(words: str) -> list[str]:
    found = _TERM.findall(unicodedata.normalize("NFKC", words).casefold())
    return [term for term in found if term not in STOP_WORDS]


class SearchIndex(Protocol):
    def put(self, text_id: int, title: str, body: str) -> None:
        """Index (or re-index) one text, in the caller's transaction."""

    def ranked(self, query: str, text_ids_where: str, params: dict, limit: int) -> list[int]:
        """Text ids matching `query`, best first, limited to those the SQL condition on `help_texts`
        (aliased t) allows."""


def search_index(session: Session) -> SearchIndex:
    dialect = session.get_bind().dialect.name
    return SqliteIndex(session) if dialect == "sqlite" else PostgresIndex(session)


class SqliteIndex:
    def __init__(self, session: Session):
        self.session = session

    def put(self, text_id: int, title: str, body: str) -> None:
        self.session.execute(text("DELETE FROM help_search WHERE text_id = :id"), {"id": text_id})
        self.session.execute(
            text("INSERT INTO help_search (text_id, title, body) VALUES (:id, :title, :body)"),
            {"id": text_id, "title": " ".join(terms(title)), "body": " ".join(terms(body))},
        )

    def ranked(self, query: str, text_ids_where: str, params: dict, limit: int) -> list[int]:
        wanted = terms(query)
        if not wanted:
            return []
        match = " OR ".join(f'"{term}"*' for term in wanted)  # terms are letters and digits: quoting is safe
        sql = (
            f"SELECT s.text_id FROM help_search s JOIN help_texts t ON t.id = s.text_id "
            f"WHERE help_search MATCH :match AND {text_ids_where} "
            f"ORDER BY bm25(help_search, 0, {TITLE_WEIGHT}, 1.0) LIMIT :limit"
        )
        return list(self.session.scalars(text(sql), {**params, "match": match, "limit": limit}))


class PostgresIndex:
    def __init__(self, session: Session):
        self.session = session

    def put(self, text_id: int, title: str, body: str) -> None:
        self.session.execute(
            text(
                "INSERT INTO help_search (text_id, document) VALUES (:id, setweight(to_tsvector('simple', :title), 'A') "
                "|| setweight(to_tsvector('simple', :body), 'D')) ON CONFLICT (text_id) DO UPDATE SET document = "
                "excluded.document"
            ),
            {"id": text_id, "title": " ".join(terms(title)), "body": " ".join(terms(body))},
        )

    def ranked(self, query: str, text_ids_where: str, params: dict, limit: int) -> list[int]:
        wanted = terms(query)
        if not wanted:
            return []
        tsquery = " | ".join(f"{term}:*" for term in wanted)
        sql = (
            f"SELECT s.text_id FROM help_search s JOIN help_texts t ON t.id = s.text_id, "
            f"to_tsquery('simple', :query) q WHERE s.document @@ q AND {text_ids_where} "
            f"ORDER BY ts_rank(s.document, q, 1) DESC, s.text_id LIMIT :limit"
        )
        return list(self.session.scalars(text(sql), {**params, "query": tsquery, "limit": limit}))
