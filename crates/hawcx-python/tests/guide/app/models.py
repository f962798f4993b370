"""Filled in (not guide code): the ``User`` table the guide's Step 4 ``user_service.py``
uses without defining it: the columns it reads and writes (``hawcx_id``, ``email``,
``email_verified``, ``created_at``, ``last_login``) plus an integer primary key ``id``, and
the ``to_dict()`` it returns (``generate_session_token`` reads ``id``, ``email`` and
``hawcx_id`` from it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Optional

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    hawcx_id: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    email: Mapped[str] = mapped_column(String(320))
    email_verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[Optional[datetime]] = mapped_column(default=None)
    last_login: Mapped[Optional[datetime]] = mapped_column(default=None)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "hawcx_id": self.hawcx_id,
            "email": self.email,
            "email_verified": self.email_verified,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "last_login": self.last_login.isoformat() if self.last_login else None,
        }
