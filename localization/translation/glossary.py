"""The glossary: a title's (or its series') terms and their required renderings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from localization import qa
from localization.permissions import check_can_edit_glossary
from localization.translation.models import GlossaryTerm


def glossary_for(title) -> list[GlossaryTerm]:
    """Terms of the title and of the series and season it belongs to."""
    ids = [title.pk, *(ancestor.pk for ancestor in title.ancestors())]
    return list(GlossaryTerm.objects.filter(title_id__in=ids).order_by("source_term"))


def glossary_rules(title, language: str) -> list[qa.GlossaryRule]:
    return [qa.GlossaryRule(source_term=term.source_term, rendering=term.renderings[language])
            for term in glossary_for(title) if term.renderings.get(language)]


def glossary_term_save(*, title, source_term: str, renderings: dict, kind: str = "term",
                       note: str = "", user=None) -> GlossaryTerm:
    if user is not None:
        check_can_edit_glossary(user, title)
    source_term = source_term.strip()
    if not source_term:
        raise ValidationError({"source_term": _("Give the Korean term.")})
    renderings = {language: text.strip() for language, text in renderings.items()
                  if text and text.strip()}
    term, _created = GlossaryTerm.objects.update_or_create(
        title=title, source_term=source_term,
        defaults={"renderings": renderings, "kind": kind, "note": note})
    return term
