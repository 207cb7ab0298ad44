"""Trust: who signed an action, whether that key is theirs, and a tamper-evident audit.

A sign-off is evidence between two organisations, so it must not rest on whoever can
reach the Temporal frontend.  The pieces, each in its own module:

- :mod:`.sshsig` — OpenSSH signatures (the ``ssh-keygen -Y sign`` format) made with
  ``cryptography`` or an ssh-agent, checked with the ``sshsig`` package.
- :mod:`.actions` — the canonical statement a person signs for each action.
- :mod:`.signers` — the allowed-signers file operations keep on the workers: which
  key stands for which person (the ``ssh-keygen -Y verify`` format).
- :mod:`.store` — the workers' live copy of that file, which update validators read.
- :mod:`.keys` — where the CLI finds a person's key; ``onboard keys new``.
- :mod:`.chain` — audit records as a hash chain.
- :mod:`.audit_verify` — the offline verification of an exported chain or a
  journal, and the comparison of the two (``onboard audit verify``).

The checks an Update validator runs before anything is written are in
:mod:`onboard.core.engagement.authority`.
"""

#: The SSHSIG namespace of every onboard action (``ssh-keygen -Y sign -n``): a
#: signature made for git or for anything else never verifies as an onboard action.
NAMESPACE = "action@onboard"
