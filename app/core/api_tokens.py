"""API tokens for scripts: a random secret shown once, stored as a digest, limited to its scopes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.api_scopes import SCOPES
from app.core.db import utcnow, write_transaction
from app.core.extensions import db

PREFIX = "ksk_"
__all__ = ["SCOPES", "ApiToken", "create_token", "token_for"]


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))  # comma-separated
    created_by: Mapped[str] = mapped_column(String(254))
    revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes.split(","))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, name: str, scopes: list[str], created_by: str) -> str:
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"scope: choose from {', '.join(SCOPES)}")
    secret = PREFIX + secrets.token_urlsafe(32)
    with write_transaction(session):
        session.add(
            ApiToken(name=name, digest=_digest(secret), scopes=",".join(sorted(set(scopes))), created_by=created_by)
        )
    return secret


def token_for(session: Session, secret: str) -> ApiToken | None:
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    return session.scalar(select(ApiToken).where(ApiToken.digest == _digest(secret), ApiToken.revoked.is_(False)))
