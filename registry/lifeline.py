"""Worker processes end with the process that started them, however it ended (kill -9 too).

A rebuild's or a generation's worker left running after its parent was killed would go
on writing to the views or hold a transaction open, and race the re-run an operator
starts next. On Linux the kernel signals the worker when its parent dies
(`prctl(PR_SET_PDEATHSIG)`); everywhere a watchdog thread also checks that the parent
is still the parent, in case the kernel cannot (another OS, or the parent died before
the worker asked).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
ORPHANED_EXIT = 70  # the worker's exit status when its watchdog finds the parent gone


def die_with_parent(parent_pid: int, interval_s: float = 0.5) -> None:
    """End this process at once when `parent_pid` stops being its parent."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the watchdog alone must do
            pass
    if os.getppid() != parent_pid:  # the parent died before the kernel was asked
        os._exit(ORPHANED_EXIT)
    threading.Thread(
        target=_watch, args=(parent_pid, interval_s), name="parent-watch", daemon=True
    ).start()


def _watch(parent_pid: int, interval_s: float) -> None:
    stop = threading.Event()
    while not stop.wait(interval_s):
        if os.getppid() != parent_pid:
            # os._exit, not sys.exit: the main thread may be inside a long transaction,
            # which the database rolls back when the connection goes.
            os._exit(ORPHANED_EXIT)
