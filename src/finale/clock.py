"""The one Clock seam: seconds since the epoch, and waiting; `FakeClock` in finale.testing stands in.

Stdlib only: the `gitlab-set-status` Task script inlines this module with the GitLab client.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
