"""The one error of the sandbox's trusted side: the worker did not answer properly."""
from __future__ import annotations


class WorkerError(Exception):
    """The worker did not answer properly (crash, timeout, garbage, or refused to start).

    kind: "timeout", "crashed", "protocol", "forbidden", "startup" (it died or hung before any
    student code ran), "setup" (it could not prepare: libraries, filters, isolation)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail
