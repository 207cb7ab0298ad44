"""A network namespace of the test's own, where its servers listen on their fixed ports.

``unshare -n`` (root) makes the namespace, held open by a ``sleep`` whose process
is the handle: ``/proc/PID/ns/net``.  Only its loopback exists, brought up first,
so a server's ports (389, 636, 53, 88, ...) clash with nothing on the machine and
no packet can leave it.

The test process reaches it two ways:

* :meth:`NetNamespace.call` runs a function in a thread that has entered the
  namespace (``setns`` switches the calling thread only), so the collector runs
  in-process, as a worker's activity would;
* :meth:`NetNamespace.command` prefixes a command with ``nsenter --net=...``, for
  the CLI and Samba's own tools.
"""

import ctypes
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
CLONE_NEWNET = 0x40000000


def unavailable() -> str:
    """Why no namespace can be made here ("" when one can)."""
    if os.name != "posix" or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "network namespaces need root (unshare -n)"
    for tool in ("unshare", "nsenter", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (util-linux, iproute2)"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"unshare -n is not permitted here: {probe.stderr.strip()}"
    return ""


class NetNamespace:
    """A namespace with loopback up; :meth:`close` ends it (and what runs in it must end first)."""

    def __init__(self) -> None:
        self.holder = subprocess.Popen(
            ["unshare", "-n", "sh", "-c", "ip link set lo up && echo up && exec sleep 86400"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.holder.stdout is not None
        if self.holder.stdout.readline().strip() != "up":
            self.holder.kill()
            raise RuntimeError("the network namespace's loopback did not come up")
        self.path = f"/proc/{self.holder.pid}/ns/net"
        self._libc = ctypes.CDLL(None, use_errno=True)

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the namespace."""
        return ["nsenter", f"--net={self.path}", *argv]

    def call(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """``function(*args, **kwargs)`` in a thread inside the namespace; its result or exception."""
        outcome: dict[str, object] = {}

        def run() -> None:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                if self._libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns into the test's network namespace failed")
            finally:
                os.close(fd)
            try:
                outcome["value"] = function(*args, **kwargs)
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        thread = threading.Thread(target=run, name="in-netns")
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["value"]  # type: ignore[return-value]

    def close(self) -> None:
        """End the holder: the namespace goes with its last process."""
        self.holder.terminate()
        self.holder.wait(timeout=10)
