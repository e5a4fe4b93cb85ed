"""The API's JSON parser: DRF's, minus the inputs that crash Python's json or the code behind it.

Python's :mod:`json` recurses once per nesting level, so ``[[[[…`` 100,000 deep raises
``RecursionError`` (a 500); it turns ``1e400`` into ``inf`` (which ``int()`` cannot take, and no
field of ours means); and it reads a body of any size into memory. :class:`KamJSONParser`
answers all of them with ``ParseError`` — 400 and a message in the request's language — before
any view sees the data:

* a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's limit for request bodies, 2.5 MB
  by default) is not read past the limit;
* nesting deeper than :data:`MAX_DEPTH` levels is refused before parsing (one regular expression
  and a few ``str.replace`` passes, all in C — never one Python step per character);
* ``NaN``, ``Infinity``, ``-Infinity`` and numbers that overflow a float (``1e400``) are refused;
* so are strings holding half a surrogate pair (``"\\ud800"``): not Unicode, and once a 500 when
  an error message echoed one back.
"""

from __future__ import annotations

import json
import math
import re

from django.conf import settings
from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64  # no request of ours nests deeper than 3 levels

# a \uD800–\uDFFF escape: a surrogate, which is valid Unicode only as half of a pair
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

# what is not an array/object bracket: a JSON string (an unterminated one runs to the end, so the
# scan never backtracks) or a run of other characters
_NOT_BRACKET = re.compile(r'"[^"\\]*(?:\\.?[^"\\]*)*"?|[^"\[\]{}]+', re.DOTALL)


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON ``text`` nests arrays/objects more than ``limit`` levels deep.

    Brackets inside strings do not count. Each pass removes the innermost level everywhere, so
    ``limit`` passes over the brackets decide it — all of it in C (regular expression, str.replace),
    never one Python step per character. Text that is not valid JSON may get either answer; the
    parser refuses it anyway.
    """
    if text.count("[") + text.count("{") <= limit:  # the common case: no scan at all
        return False
    brackets = _NOT_BRACKET.sub("", text).replace("{", "[").replace("}", "]")
    for _level in range(limit):
        shorter = brackets.replace("[]", "")
        if not shorter or len(shorter) == len(brackets):  # all within the limit, or unbalanced (invalid)
            return False
        brackets = shorter
    return True


class _NonFinite(ValueError):
    def __init__(self, token: str):
        super().__init__(token)
        self.token = token


def _refuse_constant(token: str):
    raise _NonFinite(token)  # NaN, Infinity, -Infinity


def _finite_float(token: str) -> float:
    number = float(token)
    if not math.isfinite(number):  # 1e400 → inf
        raise _NonFinite(token if len(token) <= 40 else token[:40] + "…")
    return number


class KamJSONParser(JSONParser):
    """DRF's JSON parser with a size limit, a nesting limit and finite numbers only (400 otherwise)."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = self._read(stream)
        try:
            text = raw.decode(encoding)
        except (LookupError, ValueError):  # ValueError includes UnicodeDecodeError
            raise ParseError(
                gettext("The request body is not valid {encoding} text.").format(encoding=encoding)
            ) from None
        if nesting_exceeds(text, self.max_depth):
            raise ParseError(
                gettext("The JSON body is nested too deeply: at most {limit} levels are allowed.").format(
                    limit=self.max_depth
                )
            )
        try:
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except _NonFinite as exc:
            raise ParseError(
                gettext("The JSON body holds a number out of range ({number}): numbers must be finite.").format(
                    number=exc.token
                )
            ) from None
        except RecursionError:  # only if max_depth were raised past Python's recursion limit
            raise ParseError(gettext("The JSON body is nested too deeply.")) from None
        except ValueError as exc:  # json.JSONDecodeError, an integer of too many digits
            raise ParseError(gettext("The request body is not valid JSON: {error}").format(error=exc)) from None
        if _SURROGATE_ESCAPE.search(text) and not _is_unicode(data):
            raise ParseError(
                gettext("The JSON body holds an unpaired surrogate (\\uD800–\\uDFFF): text must be valid Unicode.")
            )
        return data

    @staticmethod
    def _read(stream) -> bytes:
        # DRF hands JSON parsers ``request.body``, which Django has already held to
        # DATA_UPLOAD_MAX_MEMORY_SIZE (kam.core.api maps its RequestDataTooBig to the same 400);
        # this guards any other caller.
        if stream is None:
            return b""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None:
            return stream.read()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise body_too_large()
        return raw


def _is_unicode(data) -> bool:
    """Whether every string in ``data`` (keys included) is valid Unicode: json decodes ``"\\ud800"``
    to a lone surrogate, which no UTF-8 text — a database column, our own JSON answer echoing
    the value in an error message — can hold."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def body_too_large() -> ParseError:
    """The 400 for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    return ParseError(
        gettext("The request body is too large: at most {limit} bytes are allowed.").format(
            limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
    )
