from django import template

register = template.Library()


@register.filter
def rendering(term, language: str) -> str:
    """A glossary term's required rendering in ``language`` ("zh-Hans" has a hyphen, so
    the template language cannot look it up with a dot)."""
    return (term.renderings or {}).get(language, "")
