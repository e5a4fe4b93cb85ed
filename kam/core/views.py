"""View helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect

from . import errors
from .versioning import ConflictError


def run_service(
    request,
    call: Callable[[], Any],
    *,
    success: str | Callable[[Any], str],
    redirect_to: str | Callable[[Any], str],
    failure_redirect_to: str | None = None,
):
    """The POST action pattern: call the service; on a ValidationError flash its messages,
    otherwise the success message; then redirect (PRG). ``PermissionDenied`` is left to Django
    (→ 403). ``success``/``redirect_to`` may be callables of the service's result."""
    if failure_redirect_to is None:
        if not isinstance(redirect_to, str):
            raise TypeError("run_service needs failure_redirect_to when redirect_to is a callable")
        failure_redirect_to = redirect_to
    try:
        result = call()
    except ValidationError as exc:
        messages.error(request, errors.message_text(exc))
        return redirect(failure_redirect_to)
    messages.success(request, success(result) if callable(success) else success)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)


def form_error_text(form) -> str:
    """A form's errors as one line (for a flash message after a refused POST action)."""
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def paginate(queryset, per_page: int, number):
    """A page of ``queryset`` with ``page_range_elided`` for the pagination include."""
    page = Paginator(queryset, per_page).get_page(number)
    page.page_range_elided = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def save_merging(call: Callable[[int | None], Any], *, expected_version: int | None, touched: set[str]):
    """Save an edit page's changes based on ``expected_version`` (issue 8 §6) with the merge rule
    of KAM's edit pages: ``call(version)`` runs the services with that ``expected_version``.

    * nobody saved in between → saved;
    * someone did, but only fields this user did not change (``touched``: the names the page sends,
      measured against the values it showed) → saved on top of theirs, nothing of theirs is
      overwritten; returns their :class:`~kam.core.versioning.ConflictError` to tell the user;
    * they changed a field this user changed too, or what they changed is unknown → the
      ``ConflictError`` is raised: nothing saved, the page shows who changed what.

    Returns ``(result, merged_conflict_or_None)``."""
    try:
        return call(expected_version), None
    except ConflictError as exc:
        theirs = exc.changed_fields()
        if not exc.changes or not theirs or theirs & touched:
            raise
        return call(exc.current), exc
