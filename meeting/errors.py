"""Domain errors carrying a message a delegate or organiser can act on.

Domain functions raise these; one handler per surface (views: flash or error page,
live.py: error ack) shows the message. The transaction is rolled back, so nothing is
half-written.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, message: Any, **detail: Any) -> None:
        super().__init__(str(message))
        self.message = message  # usually a lazy gettext string
        self.detail = detail

    def __str__(self) -> str:
        return str(self.message)


class Invalid(DomainError):
    """The input is wrong; the message says what to fix."""


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """The input is fine but the state does not allow it (closed round, sealed meeting)."""

    status = 409
