"""Organiser forms that keep what was typed and show an error beside the field at fault.

A domain error may name the form field it is about (``Invalid(message, field="name")``).
``attempt_form`` runs the action like ``common.attempt`` (one transaction, one-time keys,
flash on success); an error that names a field comes back as ``{field: message}`` for the
template to show beside that field, any other error is flashed at the top as before.
The view then renders the form again from ``request.form``: nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from ..db import get_session
from ..errors import DomainError
from .common import attempt


class _FieldProblem(Exception):
    """Carries a field-tied DomainError past ``attempt``'s flashing handler."""


def field_of(error: DomainError) -> str | None:
    """The form field a domain error is about, if it names one."""
    field = error.detail.get("field")
    return field if isinstance(field, str) and field else None


def attempt_form(
    action: Callable[[Session], Any],
    success: Any = None,
    field_name: Callable[[DomainError], str | None] = field_of,
) -> dict[str, str] | None:
    """Run a domain action; None when it succeeded, else the problems by form field.

    ``field_name`` maps an error to the form's field name (e.g. a category's weight to
    ``c12_weight``); errors it maps to None are flashed at the top. The returned dict is
    empty when the only problem was flashed.
    """
    problems: dict[str, str] = {}

    def run(session: Session) -> Any:
        try:
            return action(session)
        except DomainError as error:
            name = field_name(error)
            if name is None:
                raise
            problems[name] = str(error.message)
            for extra in error.detail.get("problems", []):
                problems[name] += " " + str(extra)
            raise _FieldProblem() from error

    try:
        done = attempt(run, success)
    except _FieldProblem:
        get_session().rollback()
        return problems
    return None if done else problems
