"""Small form helpers shared by every app."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, QuerySet

_M = TypeVar("_M", bound=Model)


def apply_validation_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Attach a service's ``ValidationError`` to the form, per field where the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def choice_field(fields: Mapping[str, forms.Field], name: str) -> forms.ChoiceField:
    """``fields[name]`` (a form's ``fields`` or ``base_fields``), narrowed to the choice field
    the form declares, so its ``choices`` can be read or replaced."""
    field = fields[name]
    assert isinstance(field, forms.ChoiceField), f"{name} is not a choice field"
    return field


def limit_choices(
    fields: Mapping[str, forms.Field],
    name: str,
    queryset: QuerySet[_M],
    label: Callable[[_M], str] | None = None,
) -> None:
    """Offer ``queryset`` in the model choice field ``fields[name]`` (single or multiple), each
    option worded by ``label`` when given (Django's per-instance ``label_from_instance``)."""
    field = fields[name]
    assert isinstance(field, forms.ModelChoiceField), f"{name} is not a model choice field"
    field.queryset = queryset
    if label is not None:
        # The stubs model label_from_instance only as a method; Django documents setting it.
        field.label_from_instance = label  # type: ignore[method-assign,assignment]


__all__ = ["NON_FIELD_ERRORS", "apply_validation_error", "choice_field", "limit_choices"]
