"""An iCalendar (RFC 5545) feed of reminders, written with the icalendar library.

Each reminder is an all-day VEVENT with a stable UID, so a calendar app subscribed to a
file that cron rewrites updates its entries instead of duplicating them. icalendar is
imported only here, and this module only when `--format ics` is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from crmcli.core.i18n import N_, _
from crmcli.reports.reminders import Event

PRODID = "-//crmcli//crm remind//EN"

# The CATEGORIES of crm's own events, which calendar apps show: said in the run's language.
# An interaction's kind (`call`) is said as its word (crmcli/core/vocabulary.py).
CATEGORIES = {
    "task": N_("calendar|task"),
    "contact": N_("calendar|contact"),
    "birthday": N_("calendar|birthday"),
    "date": N_("calendar|date"),
    "churn": N_("calendar|churn"),
    "festival": N_("calendar|festival"),
    "feedback": N_("calendar|feedback"),
}


def category(key: str) -> str:
    """An event's category in the run's language (`task` is 任务 in Chinese)."""
    from crmcli.core.vocabulary import word

    if key in CATEGORIES:
        return _(CATEGORIES[key]).split("|", 1)[-1]
    return str(word("kind", key))


def calendar(events: Iterable[Event], now: datetime, name: str | None = None) -> str:
    """The events as one VCALENDAR text (CRLF line endings, folded as RFC 5545 asks);
    `name` is what a calendar app calls the feed (X-WR-CALNAME), in the run's language."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name or _("crm calendar"))
    stamp = now.astimezone(timezone.utc).replace(microsecond=0)
    for item in events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.category:
            event.add("categories", [category(item.category)])
        event.add("transp", "TRANSPARENT")  # a reminder does not make the user busy
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
