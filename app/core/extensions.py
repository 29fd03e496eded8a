"""Extensions created here and bound to the app in create_app()."""

from typing import TYPE_CHECKING

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    class _ScopedSession(Session):
        def remove(self) -> None: ...

    class _SQLAlchemy(SQLAlchemy):
        # For the type checker only: db.session is a scoped_session, which stands for the request's Session
        # and proxies every one of its methods; services take a Session and are handed db.session.
        session: _ScopedSession  # type: ignore[assignment]
else:
    _SQLAlchemy = SQLAlchemy

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = _SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
