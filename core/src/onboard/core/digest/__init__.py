"""The daily digest: one notice per person of everything that waits for them.

Engagement notices tell people when something *becomes* theirs (a gate opens, a wave
of steps is ready); the digest, once a day, lists what is *still* theirs, across
every engagement: open gates their side has not decided, open remediation items
their side owns, Enable steps awaiting their side's attestation, a first contact
still to make, a blocked engagement to resume.  It is optional: nothing is sent
until an operator runs or schedules it.

Operator reference:

- ``onboard digest send`` runs it once now and prints who got a digest and how many
  things each lists (``--json`` for scripts).
- ``onboard digest schedule --at 08:00 --timezone Europe/Berlin`` creates (or, run
  again, updates) the Temporal Schedule ``onboard-daily-digest`` that starts
  ``DailyDigestWorkflow`` every day at that local time.  A run missed while the
  cluster was down is caught up within 4 hours, else skipped; runs never overlap.
  ``onboard digest unschedule`` deletes it; ``temporal schedule describe
  --schedule-id onboard-daily-digest`` shows its next runs.
- Which engagements: the running ones on the task queue (``--task-queue``) whose
  ``OnboardAwaiting`` search attribute names a party, every page of them; each is
  asked for its ``status`` (10 s at most; one that does not answer — stuck, no
  worker — is skipped and named in the result and the log, ``digest_skipped``).
- What a digest is: a :class:`~onboard.core.models.Notification` of kind
  ``digest`` with id ``digest/<YYYY-MM-DD>/<e-mail or id>`` (the day in the run's time
  zone), subject ``onboard: N things wait for you``, one detail line per thing
  (engagement id and customer, what waits, due dates where the engagement has
  them) and one command per thing with ``{person}`` for the reader.  It goes through
  every ``notify`` hook like an engagement notice, so the channels plugin mails or
  posts it by the same routing, and a sink that keeps ids (the JSON-lines sink, the
  channels' delivered record) drops a second run's digest of the same day.  People
  with nothing waiting get none; people on several rosters get one (matched by
  e-mail, else by id; rules in :mod:`onboard.core.digest.build`).

Workers register :class:`DailyDigestWorkflow` (in
:data:`onboard.core.engagement.WORKFLOWS`) and ``DigestActivities(client,
manager).all()``.  Imports are lazy so that the sandbox's re-import of the workflow
module does not drag the activity side along.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "DailyDigestWorkflow":
        from onboard.core.digest.workflow import DailyDigestWorkflow

        return DailyDigestWorkflow
    if name == "DigestActivities":
        from onboard.core.digest.activities import DigestActivities

        return DigestActivities
    if name in ("DigestInput", "DigestResult", "DigestSent"):
        from onboard.core.digest import messages

        return getattr(messages, name)
    raise AttributeError(name)
