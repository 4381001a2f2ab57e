"""Children that the kernel ends with the process that forked them: a worker's work horse and
scheduler, and the local servers a launcher starts (tobitbot/servers/process.py).

Linux's parent-death signal (prctl PR_SET_PDEATHSIG) is set in the child, after fork(); it
survives exec. The kernel sends it when the *thread* that forked the child ends.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1   # <linux/prctl.h>


def death_signal_setter(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """Call in the parent before fork(); the child calls what it returns to get `sig` once this
    process dies. None where Linux's prctl is not available (an orphan then runs on)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl   # looked up here: after fork only the
    except (OSError, AttributeError):                     # calling thread exists, locks may be held
        return None
    parent, death_signal = os.getpid(), ctypes.c_ulong(int(sig))

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
        if os.getppid() != parent:   # the parent died before prctl: nobody would signal us
            # not os.kill(sig): until exec, the parent's Python handler for `sig` would catch it
            os._exit(1)

    return die_with_parent
