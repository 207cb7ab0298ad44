"""Search attributes that make "what waits for me" one visibility query.

Registered on the embedded dev server by ``onboard dev`` and the tests; on a real
cluster an operator registers them once (``onboard worker --help`` shows how).
"""

from temporalio.common import SearchAttributeKey

PHASE = SearchAttributeKey.for_keyword("OnboardPhase")
TENANT = SearchAttributeKey.for_keyword("OnboardTenant")
SERVICES = SearchAttributeKey.for_keyword_list("OnboardServices")
#: Person ids and ``party:<party>`` values whose action the engagement waits for.
AWAITING = SearchAttributeKey.for_keyword_list("OnboardAwaiting")

ALL = (PHASE, TENANT, SERVICES, AWAITING)
