"""What the assistance app adds to pages other apps own (platform.extensions): household
sections, work cards, dashboard cards and the audit log's words. Each helper's part is a
function called from `register()`."""

from __future__ import annotations


def register() -> None:
    pass
