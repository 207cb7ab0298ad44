"""The pager for long output on a terminal, chosen as git chooses its own.

``$ONBOARD_PAGER``, else ``$PAGER``, else ``less``; an empty value or ``cat`` means
none, and so does a program that is not installed.  The command runs through the
shell (``PAGER="less -S"`` works), with ``LESS=FRX`` when ``$LESS`` is unset: quit
at once if the text fits one screen, pass colours through, leave the text on the
screen afterwards.  Output is paged only when stdout is a terminal and the text is
longer than the screen; ``onboard --no-pager`` turns it off.
"""

import os
import subprocess
import sys

# shlex and shutil are imported by the functions that use them: every command imports
# this module (for PAGER_ENV), and only output to a terminal is ever paged.

#: Names the pager ahead of ``$PAGER`` (empty: never page).
PAGER_ENV = "ONBOARD_PAGER"
DEFAULT_PAGER = "less"
#: less's options when ``$LESS`` is unset (what git sets).
LESS_OPTIONS = "FRX"


def pager_command(enabled: bool = True) -> str | None:
    """The command to page through, or None when output goes straight to stdout."""
    if not enabled or not sys.stdout.isatty():
        return None
    command = next((os.environ[n] for n in (PAGER_ENV, "PAGER") if n in os.environ), DEFAULT_PAGER).strip()
    if command in ("", "cat"):
        return None
    import shlex
    import shutil

    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):  # unbalanced quotes: not a command we can run
        return None
    return command if shutil.which(program) else None


def screen_lines() -> int:
    """The terminal's height in lines."""
    import shutil

    return shutil.get_terminal_size().lines


def page(text: str, command: str) -> None:
    """Show ``text`` through the pager ``command`` and wait until the reader quits it."""
    env = dict(os.environ)
    env.setdefault("LESS", LESS_OPTIONS)
    env.setdefault("LV", "-c")  # lv, the other common pager: pass colours through
    sys.stdout.flush()
    # The user's own $PAGER, run by the shell as git runs it ("less -S" has options).
    process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    assert process.stdin is not None
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        process.stdin.write(text.encode(encoding, errors="replace"))
        process.stdin.close()
    except BrokenPipeError:  # the reader quit before the end: nothing is wrong
        pass
    while True:
        try:
            process.wait()
            return
        except KeyboardInterrupt:  # Ctrl+C belongs to the pager (less stops a search); wait for it
            continue
