"""Long work (solves, exports, reports, imports) run as background jobs, their progress shown.

`register(kind, handler, can_view=…)` at an app's ready(); `start(kind, owner=…, params=…)` in a
view after its access check; the page /travaux/<uuid>/ follows it (docs/decisions/0021-jobs-beside-tasks.md).
"""

from pollen.jobs.registry import Failed, Outcome, Progress, register

__all__ = ["Failed", "Outcome", "Progress", "register"]
