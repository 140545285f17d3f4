"""The help layout every ``zephyr`` command shares: defaults shown where they say something."""

from __future__ import annotations

import argparse

__all__ = ("HelpFormatter",)


class HelpFormatter(argparse.HelpFormatter):
    """Append ``(default: X)`` to an option's help, unless it is a flag or its default is empty or ``None``."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        is_flag = action.nargs == 0
        if "%(default)" in text or is_flag or default in (None, "", argparse.SUPPRESS) or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"
