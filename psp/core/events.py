"""Things that happened, announced by the services that made them happen (issue 15).

A low layer (engagements, metrics) sends one of these signals inside its own transaction; a
higher layer (``notifications``) connects receivers in its ``AppConfig.ready`` and writes its
rows in the same transaction, so an event that rolls back notifies nobody. Every signal is sent
with ``site`` and ``actor`` (``None`` for the system) besides the arguments named here.
"""

from __future__ import annotations

from django.dispatch import Signal

# ``request``: the TARequest just submitted; ``event``: its TARequestEvent.
ta_request_submitted = Signal()
# ``request``: the TARequest just approved or declined; ``event``: its TARequestEvent.
ta_request_decided = Signal()
# ``request``, ``event``: any other step (scheduled, delivered...), for the request's watchers.
ta_request_changed = Signal()
# ``event``: the MonthReviewEvent of months submitted for review by a file.
data_submitted = Signal()
# ``event``: the MonthReviewEvent of months returned to the site with a comment.
data_returned = Signal()
# ``flag_ids``: the DataQualityFlag rows a quality check just raised (at least one).
flags_raised = Signal()
