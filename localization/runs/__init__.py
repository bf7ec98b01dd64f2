"""Background runs: the bookkeeping every run shares (who holds it, its heartbeat), the
runs over a subtitle track (translation, QA), and the operator's side: retry, cancel and
the periodic check that puts back in the queue a run whose worker is gone."""
