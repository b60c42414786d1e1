"""Refusals of the grid's services (grid.md): a rule refuses the change now (HTTP 400 on
the API, the form's error on a page). The message is one sentence, "中文 / English"."""

from __future__ import annotations


class GridRefused(Exception):
    """A change to cadres or pairs refused by a rule; str() is "中文 / English"."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def localized(self, language: str | None) -> str:
        """The half of the sentence in the page's language."""
        zh, _, en = self.message.partition(" / ")
        return en if (language or "").startswith("en") and en else zh
