"""What people read: archived text made safe for a terminal, and times on the site's clock.

Archived titles, texts, URLs and error messages come from the site, so they may hold terminal
control sequences (a title that renames the window, clears the screen or fakes a link). Every
text a command prints for people goes through `for_terminal`; JSON and CSV keep the data as
stored. Every time a person reads is in the site's time zone and names it; a value of which only
the day is known is shown as that day.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

# C0 controls but tab and newline, DEL, C1 controls (CSI and OSC among them), and the Unicode
# bidirectional embeddings, overrides and isolates (text that displays in another order).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """The text with every control character shown as its escape (ESC as `\\x1b`), so that no
    escape sequence in it reaches the terminal; newlines and tabs stay."""
    return CONTROL_CHARACTERS.sub(_escape, text)


def zone_name(tz: ZoneInfo) -> str:
    """How the times of a zone are labelled: its name (Europe/Moscow)."""
    return tz.key


def local_time(moment: datetime | None, tz: ZoneInfo, precision: str | None = "minute") -> str:
    """A time in the zone, to the minute, or its day alone when only the day is known; '-'
    when there is none."""
    if moment is None:
        return "-"
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d}" if precision == "date" else f"{local:%Y-%m-%d %H:%M}"


def labelled_time(moment: datetime | None, tz: ZoneInfo, precision: str | None = "minute") -> str:
    """`local_time` followed by the zone's abbreviation (MSK) when it has a time of day."""
    shown = local_time(moment, tz, precision)
    if moment is None or precision == "date":
        return shown
    return f"{shown} {moment.astimezone(tz):%Z}"
