"""What the AI compute budget says about a run, for the pages that list runs."""

from django import template

from coprod.compute.models import ComputeHold

register = template.Library()


@register.filter
def budget_hold(run):
    """The pending hold of a run queued without a message (held for its title's AI compute
    budget), or None. Only such runs are looked up."""
    if run is None or getattr(run, "task_id", "x") or run.state != "queued":
        return None
    return (ComputeHold.objects.filter(run_type=run._meta.label_lower, run_id=str(run.pk),
                                       state=ComputeHold.State.PENDING)
            .select_related("agreement").first())
