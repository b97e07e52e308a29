"""The text of `crm help TOPIC`, in one place: `crm help` prints it, the man page
(`crm help --man`) is built from it, and docs/help.md shows it (tests/test_docs.py
replays that page, so the three agree). Each topic condenses a page of docs/.

A topic is paragraphs separated by blank lines; a paragraph whose lines start with two
spaces is an example, kept as it is; a line starting with "- " is an item of a list.
Each text is its own msgid in the catalog (crmcli.core.i18n), said with `_()` where it is
shown; a translation keeps the examples as they are (tests/test_help.py runs them).
"""

from crmcli.core.i18n import N_

# What each topic is about, for the list `crm help` prints.
ABOUT = {
    "dates": N_("the forms of a date, a time and a period"),
    "filters": N_("picking customers: --where, --tag, --stage, --segment and the rest"),
    "formats": N_("--format, -q, what goes to stdout and stderr, import and export formats"),
    "exit-codes": N_("what crm's exit status means, and its error lines"),
    "privacy": N_("history, undo, export and erasure of a customer, masking, encryption"),
}
# Each topic's name in Chinese, which `crm help` takes too (`crm help 日期`).
CHINESE_NAMES = {"日期": "dates", "筛选": "filters", "格式": "formats", "退出码": "exit-codes",
                 "隐私": "privacy"}  # fmt: skip
TOPICS = {
    "dates": N_(
        """\
Options that take a date (--since, --until, --as-of, --due, --at, crm task snooze,
crm date add, the dates of --where) read the same forms:

- an ISO date: 2026-11-22, 20261122, 2026/11/22, 2026年11月22日, 22 Nov 2026;
- today, tomorrow, yesterday, 今天, 明天, 后天, 昨天, 前天, 月底, 下个月 (its 1st);
- an offset from today: +3d, -2w, 1m (a month), 1y, in 3 days, 3 weeks ago, 3天后,
  两天后, 一个月前, 半个月后 (15 days), 半年前;
- a weekday: fri, next fri, last fri, 周五, 下周五, 周末 (its Saturday);
- a day without its year: Jan 5, 5 Jan, 1月5日, 12.25.

A time may go with the date (fri 3pm, tomorrow at noon, 明天下午3点, 昨晚8点) or stand
alone, meaning today (15:00, 3pm, 下午3点). --at also takes a moment back from now:
半小时前, 2小时前, 刚才 (now). A day without its year or a bare weekday is read by the
option's direction: the next one for what is to come (--due, --follow-up), the last one
for what happened (--at, --since). Options that take a day alone refuse a time; --due,
crm task snooze and --follow-up keep the day and say that its time is not kept. A date
that could be read two ways (1/5) is refused, never guessed.

--since and --until also take a whole week, month, quarter, half or year (上周, 上个月,
2026-11, 2026Q4, 本季度, 上半年, last year), or the last days up to today (近7天,
近半个月).

  crm task add 张伟 "Send the quote" --due fri
  crm interactions --since -2w
  crm log call 张伟 "Called back" --at "yesterday 3pm"

Periods (--within, --every, --cadence) are a number and a unit: 14d, 2w, 1m, 1y, or
in Chinese 7天, 两周, 1个月, 半年; --every and --cadence also 每周, 每两周, 每月.
More: docs/conventions.md (Dates and times)."""
    ),
    "filters": N_(
        """\
Commands that pick customers (list, export, tag, stage, edit, care rule add, segment
save, ...) share one filter language; every condition must hold.

- --where "FIELD OP VALUE" (repeatable), OP one of = != < <= > >= ~ (contains); text
  compares without ASCII case; dates take every form of crm help dates;
- --tag T (all of them), --without-tag T, --stage S (any of them), --segment NAME;
- --city, --company, --source, --kind: shortcuts for --where "FIELD = VALUE";
- --created-since DATE, --created-until DATE;
- --lifecycle, --abc, --frequency-tier, --value-tier: the derived classes;
- --archived: archived customers instead of live ones.

FIELD is a column (name, city, company, birthday, created_at, stage, ...), phone,
email, tag, a derived class, last_contact_on, days_since_contact, or a user-defined
field. An unknown field is an error (exit 2), never ignored; the message lists them all.

  crm list --where "city = 上海" --tag vip
  crm list --where "days_since_contact > 60" --lifecycle at_risk
  crm export customers --where "created_at >= -1m" -o new.csv

More: docs/customers.md (crm list) and docs/classification.md."""
    ),
    "formats": N_(
        """\
Listings and reports take --format (-f): table (the default), json, jsonl, csv or tsv.

- table: drawn with colour on a terminal; plain aligned text in a pipe or cron mail;
- json: an array of objects; jsonl: one object a line; keys are stable snake_case
  names, money an exact decimal string beside its currency, dates ISO 8601;
- csv and tsv: a header row of the same names.

Imports read csv, tsv, json and jsonl (crm import customers also vcard); exports write
them too (customers also vcard, interactions and tasks also ics, crm export all json
only). A command offers only the formats it reads or writes. -q prints only what a
script needs, such as the new id, one a line. Data goes to stdout, messages and errors
to stderr.

  crm list --tag vip --format csv > vip.csv
  crm list --where "city = 上海" -q | crm tag shanghai -

More: docs/conventions.md (Output) and docs/transfer.md."""
    ),
    "exit-codes": N_(
        """\
crm exits with:

- 0: success, also a list with nothing in it;
- 1: failed for a reason outside the input: the database busy past the timeout, a
  full disk, an I/O error, not a crm database, a newer schema;
- 2: bad input: a usage error, an invalid value, an ambiguous reference;
- 3: not found: the customer or record does not exist;
- 130: interrupted (Ctrl-C).

Every error is one line on stderr starting with "crm: ", saying what is wrong and how
to fix it. A failed command changes nothing. --debug (or CRM_DEBUG=1) shows the
traceback of an internal error, for bug reports.

  crm show nobody || echo "exit $?"

More: docs/conventions.md (Errors and exit codes)."""
    ),
    "privacy": N_(
        """\
The database holds other people's personal data; crm keeps it yours:

- the file and its backups are readable by you alone (0600 in a 0700 folder);
- every change is kept in a history (crm history) and can be reverted (crm undo);
- crm export REF writes everything held on one customer (a data-subject request);
- crm forget REF erases a customer and every trace of them, history included; it asks
  on a terminal and needs --yes in a script;
- national ID numbers are masked on every output unless --reveal;
- crm encrypt encrypts the file at rest (with the encrypt extra installed);
- hooks run only from your config folder or a folder you trusted.

  crm export 张伟 > zhang-wei.json
  crm forget 张伟 --yes

More: docs/security.md."""
    ),
}
