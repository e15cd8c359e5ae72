from __future__ import annotations

from django import forms

from works.openalex_parser import MAX_QUERY_LENGTH, parse_author_query


class AuthorImportForm(forms.Form):
    query = forms.CharField(
        label="OpenAlex author id, ORCID iD or name",
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "A5023888391, 0000-0001-6187-6610 or Jason Priem"}),
    )

    def clean_query(self) -> str:
        query = self.cleaned_data["query"]
        try:
            parse_author_query(query)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return query.strip()
