"""Render form widgets with U.S. Web Design System classes and ARIA wiring (crispy pack helper)."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

register = template.Library()


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "usa-select"
    if isinstance(widget, forms.Textarea):
        return "usa-textarea"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "usa-file-input"
    if isinstance(widget, forms.CheckboxInput):
        return "usa-checkbox__input"
    return "usa-input"


@register.simple_tag
def uswds_widget(field: BoundField) -> SafeString:
    """The widget with its USWDS class, ``aria-describedby`` (hint, error) and ``aria-invalid``."""
    widget = field.field.widget
    existing = widget.attrs.get("class", "")
    css = f"{_css_class(widget)} {existing}".strip()
    if field.errors:
        css += " usa-input--error"
    attrs: dict[str, str | bool] = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def widget_kind(field: BoundField) -> str:
    """'checkbox', 'choices' (multiple checkboxes), 'radio', 'hidden' or 'input'."""
    widget = field.field.widget
    if field.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "choices"
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"
