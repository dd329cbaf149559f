"""Choice fields over database rows that never send the database an id it cannot hold.

Django's ModelChoiceField passes what the browser sent straight to a query; a number beyond
64 bits (or any non-integer for an integer key) then fails in the driver (OverflowError on
SQLite) instead of being a field error. These check the value first and answer with the
field's own "invalid choice" message.
"""

from typing import Any

from django import forms

from pollen.converters import MAX_ID


def _is_id(value: Any) -> bool:
    text = str(value).strip()
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


class IdModelChoiceField(forms.ModelChoiceField[Any]):
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not _is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField[Any]):
    def clean(self, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else []:
            if not _is_id(item):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super().clean(value)
