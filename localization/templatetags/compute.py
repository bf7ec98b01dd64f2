"""What the AI compute budget says about a run, for the pages that list runs."""

from django import template

from localization.runs.selectors import run_budget_hold

register = template.Library()


@register.filter
def budget_hold(run):
    """The pending budget hold of ``run``, or None."""
    return run_budget_hold(run)
