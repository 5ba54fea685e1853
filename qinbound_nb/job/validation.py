"""The one reading of pydantic's ``ValidationError``: each problem as a field path and a fix.

Pydantic's error locations mix field names with the names of the union members it tried: the
tag of a tagged union (``source.survey.survey_id``, ``transform.expression.expression``) or a
member's type (``record_limit.literal['all']``). Those are dropped by walking the model's own
field types along the location, never by the word itself: ``expression`` is both a transform
tag and a real field name (``filter.expression``, ``transform.expression``).
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

__all__ = ["describe_validation_error", "field_path", "validation_problems"]

MESSAGES = {
    "extra_forbidden": "is not a known setting; remove it or check its spelling",
    "missing": "is required",
}


def describe_validation_error(exc: ValidationError, source: str, model: type[BaseModel]) -> str:
    """One readable paragraph: each problem in ``source`` as ``field.path: what to do``."""
    problems = [
        f"{path or '(top level)'}: {message}" for path, message in validation_problems(exc, model)
    ]
    count = len(problems)
    head = f"{source} has {count} problem{'s' if count != 1 else ''}"
    return head + ": " + "; ".join(problems) + "."


def validation_problems(exc: ValidationError, model: type[BaseModel]) -> list[tuple[str, str]]:
    """Each problem of ``exc`` (raised validating ``model``) as ``(field path, message)``."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        message = MESSAGES.get(error["type"], error["msg"].removeprefix("Value error, "))
        problems.append((field_path(error["loc"], model), message))
    return problems


def field_path(location: tuple[int | str, ...], model: type[BaseModel]) -> str:
    """The dotted field path of a pydantic error location, without union member names."""
    parts: list[str] = []
    shape: Any = model
    for part in location:
        shape = _unwrapped(shape)
        if _is_union(shape):  # pydantic named the member it tried: a tag, not a field
            shape = _member(shape, part)
            continue
        parts.append(str(part))
        shape = _inner(shape, part)
    return ".".join(parts)


def _unwrapped(shape: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None`` (pydantic names neither)."""
    if get_origin(shape) is Annotated:
        return _unwrapped(get_args(shape)[0])
    if _is_union(shape):
        members = [member for member in get_args(shape) if member is not type(None)]
        if len(members) == 1:
            return _unwrapped(members[0])
    return shape


def _is_union(shape: Any) -> bool:
    return get_origin(shape) in (Union, types.UnionType)


def _member(union: Any, tag: int | str) -> Any:
    """The model of a tagged union whose tag (a ``Literal`` field) is ``tag``, else None."""
    for member in get_args(union):
        member = _unwrapped(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            for field in member.model_fields.values():
                if get_origin(field.annotation) is Literal and tag in get_args(field.annotation):
                    return member
    return None


def _inner(shape: Any, part: int | str) -> Any:
    """The type at ``part`` inside ``shape`` (a model's field, a list's item, a dict's value)."""
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        field = shape.model_fields.get(str(part))
        return None if field is None else field.annotation
    origin, args = get_origin(shape), get_args(shape)
    if origin in (list, tuple, set, frozenset) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None
