"""The schema and its ordered migrations.

The schema version is `PRAGMA user_version`: the number of migrations applied. Each
migration is a small function appended to MIGRATIONS by `@migration` and named by the version
it brings the file to (`m011_views` leaves `user_version` at 11); it runs inside one
`BEGIN IMMEDIATE` transaction together with its version bump, so a crash leaves the file at
the old version. A released migration is never edited; a change is a new one. Before an
existing file is upgraded a copy is made next to it through SQLite's backup API. A file whose
version is newer than this program knows is refused and left untouched.

A migration is SQL and data moves only: it calls no crmcli code but the helpers here, so
editing another module can never change what a released migration does. Derived data is
the runner's job: a migration that needs the search index filled queues the records of a
source in `search_dirty` (`queue_search()`), the same queue the triggers fill, committed with
its version bump; after the steps migrate() has crmcli.store.search index the queue (and
crmcli.store.summaries recompute the customers queued in `purchase_summaries_dirty`). A crash
in between loses nothing: readers match queued records from their live rows, and the next
write indexes them.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import sqlite3
from collections.abc import Callable
from pathlib import Path

from crmcli.core.errors import StorageError
from crmcli.core.i18n import N_, _
from crmcli.core.progress import SILENT, Progress
from crmcli.store.connection import open_new_file, transaction
from crmcli.store.files import create_private_file

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register `fn` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements one by one (executescript would commit the transaction)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")


def queue_search(conn: sqlite3.Connection, source: str, table: str) -> None:
    """Queue every record of `table` for the search index of `source` (a name in
    crmcli.store.search.SOURCES): the runner indexes the queue after the last step."""
    conn.execute(
        f"INSERT INTO search_dirty (source, ref_id) SELECT ?, id FROM {table} WHERE true "  # noqa: S608 - fixed names only
        "ON CONFLICT DO NOTHING",
        (source,),
    )


@migration
def m001_customers(conn: sqlite3.Connection) -> None:
    execute_script(
        conn,
        """
        CREATE TABLE customers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_key TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'organisation')),
            company TEXT,
            title TEXT,
            gender TEXT CHECK (gender IN ('female', 'male', 'other')),
            birthday TEXT,
            address TEXT,
            city TEXT,
            region TEXT,
            country TEXT,
            industry TEXT,
            company_size TEXT,
            source TEXT,
            national_id TEXT,
            notes TEXT,
            preferred_channel TEXT,
            preferred_time TEXT,
            external_id TEXT UNIQUE,
            referred_by INTEGER REFERENCES customers(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            archived_at TEXT,
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX customers_name_key ON customers(name_key);
        CREATE INDEX customers_referred_by ON customers(referred_by);
        CREATE INDEX customers_city ON customers(city);
        CREATE TABLE customer_phones (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            phone TEXT NOT NULL,
            is_primary INTEGER NOT NULL DEFAULT 0,
            UNIQUE (customer_id, phone)
        );
        CREATE INDEX customer_phones_phone ON customer_phones(phone);
        CREATE TABLE customer_emails (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            email TEXT NOT NULL,
            email_key TEXT NOT NULL,
            is_primary INTEGER NOT NULL DEFAULT 0,
            UNIQUE (customer_id, email_key)
        );
        CREATE INDEX customer_emails_email_key ON customer_emails(email_key);
        CREATE TABLE customer_fields (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            UNIQUE (customer_id, key)
        );
        CREATE INDEX customer_fields_key ON customer_fields(key, value);
        CREATE TABLE customer_relations (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            relation TEXT NOT NULL,
            name TEXT,
            related_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
            CHECK (name IS NOT NULL OR related_id IS NOT NULL)
        );
        CREATE INDEX customer_relations_customer ON customer_relations(customer_id);
        CREATE INDEX customer_relations_related ON customer_relations(related_id);
        CREATE TABLE settings (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            value TEXT NOT NULL
        );
        """,
    )


@migration
def m002_interactions_tasks(conn: sqlite3.Connection) -> None:
    """Logged contacts, follow-up tasks, yearly and one-off dates, per-customer cadence.

    Timestamps (`_at`) are ISO 8601 with the local offset of their moment; dates (`_on`)
    are local calendar dates. A recurring task keeps its series' first due date
    (`anchor_on`) so that monthly repeats do not drift (31 Jan, 28 Feb, 31 Mar).
    """
    execute_script(
        conn,
        """
        ALTER TABLE customers ADD COLUMN cadence_days INTEGER
            CHECK (cadence_days IS NULL OR cadence_days > 0);
        CREATE TABLE interactions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            kind TEXT NOT NULL
                CHECK (kind IN ('call', 'email', 'meeting', 'visit', 'message', 'note')),
            occurred_at TEXT NOT NULL,
            direction TEXT CHECK (direction IN ('in', 'out')),
            duration_minutes INTEGER CHECK (duration_minutes >= 0),
            channel TEXT,
            outcome TEXT,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX interactions_customer ON interactions(customer_id, occurred_at);
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            due_on TEXT NOT NULL,
            every TEXT,
            anchor_on TEXT,
            interaction_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL,
            previous_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
            done_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ((every IS NULL) = (anchor_on IS NULL))
        );
        CREATE INDEX tasks_customer ON tasks(customer_id);
        CREATE INDEX tasks_open_due ON tasks(due_on) WHERE done_at IS NULL;
        CREATE INDEX tasks_interaction ON tasks(interaction_id);
        CREATE INDEX tasks_previous ON tasks(previous_id);
        CREATE TABLE important_dates (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            date_on TEXT NOT NULL,
            is_yearly INTEGER NOT NULL DEFAULT 0 CHECK (is_yearly IN (0, 1)),
            created_at TEXT NOT NULL
        );
        CREATE INDEX important_dates_customer ON important_dates(customer_id);
        """,
    )


@migration
def m003_purchases_products(conn: sqlite3.Connection) -> None:
    # Money is integer minor units + an ISO 4217 code (crmcli.core.money); a refund is a line with
    # a negative amount. AUTOINCREMENT: scripts edit and delete lines by id, so a deleted
    # id must never come back as another line.
    execute_script(
        conn,
        """
        CREATE TABLE products (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_key TEXT NOT NULL UNIQUE,
            category TEXT,
            price_minor INTEGER CHECK (price_minor >= 0),
            currency TEXT CHECK (length(currency) = 3),
            sku TEXT UNIQUE COLLATE NOCASE,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ((price_minor IS NULL) = (currency IS NULL))
        );
        CREATE TABLE purchases (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            product_id INTEGER REFERENCES products(id) ON DELETE SET NULL,
            item TEXT NOT NULL CHECK (length(trim(item)) > 0),
            category TEXT,
            quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
            unit_price_minor INTEGER CHECK (unit_price_minor >= 0),
            amount_minor INTEGER NOT NULL,
            currency TEXT NOT NULL CHECK (length(currency) = 3),
            purchased_at TEXT NOT NULL,
            payment TEXT,
            order_ref TEXT,
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX purchases_customer_time
            ON purchases(customer_id, purchased_at, amount_minor, currency);
        CREATE INDEX purchases_purchased_at ON purchases(purchased_at);
        CREATE INDEX purchases_product ON purchases(product_id);
        CREATE INDEX purchases_category ON purchases(category COLLATE NOCASE);
        """,
    )


@migration
def m004_tags_stages(conn: sqlite3.Connection) -> None:
    execute_script(
        conn,
        """
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE customer_tags (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            tagged_at TEXT NOT NULL,
            UNIQUE (customer_id, tag_id)
        );
        CREATE INDEX customer_tags_tag ON customer_tags(tag_id, customer_id);
        ALTER TABLE customers ADD COLUMN stage TEXT;
        CREATE INDEX customers_stage ON customers(stage);
        CREATE TABLE stage_changes (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            from_stage TEXT,
            to_stage TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            reason TEXT,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX stage_changes_customer ON stage_changes(customer_id, changed_at);
        """,
    )


@migration
def m005_segments_rules(conn: sqlite3.Connection) -> None:
    execute_script(
        conn,
        """
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            filter TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE rules (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            tag TEXT NOT NULL,
            filter TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX rules_tag ON rules(tag COLLATE NOCASE);
        CREATE TABLE rule_tags (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            UNIQUE (customer_id, tag_id)
        );
        CREATE INDEX rule_tags_tag ON rule_tags(tag_id, customer_id);
        """,
    )


@migration
def m006_import_merge(conn: sqlite3.Connection) -> None:
    """What `crm merge` did, and the vCard properties crm does not model.

    `customer_merges.record` is the merged-away customer as it was (JSON), since that row is
    deleted; `moved` counts the rows moved per table. `customer_vcards.card` is the last
    vCard imported for a customer, verbatim, so export can give back the properties crm
    has no column for (X- properties, PHOTO, TEL types...).
    """
    execute_script(
        conn,
        """
        CREATE TABLE customer_merges (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            merged_id INTEGER NOT NULL,
            merged_name TEXT NOT NULL,
            record TEXT NOT NULL,
            moved TEXT NOT NULL,
            merged_at TEXT NOT NULL
        );
        CREATE INDEX customer_merges_customer ON customer_merges(customer_id);
        CREATE INDEX customer_merges_merged ON customer_merges(merged_id);
        CREATE TABLE customer_vcards (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL UNIQUE REFERENCES customers(id) ON DELETE CASCADE,
            version TEXT NOT NULL,
            card TEXT NOT NULL,
            imported_at TEXT NOT NULL
        );
        """,
    )


@migration
def m007_history(conn: sqlite3.Connection) -> None:
    """Change history (crmcli.store.history): one changeset per write command, one history row per
    changed table row, filled by triggers that migrate() regenerates after every upgrade.

    history.customer_id has no foreign key on purpose: the history of an archived or deleted
    customer stays (only `crm forget` erases it). AUTOINCREMENT: ids are never reused, so an
    old history entry can never be mistaken for a newer changeset's.
    """
    execute_script(
        conn,
        """
        CREATE TABLE changesets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            command TEXT NOT NULL,
            at TEXT NOT NULL,
            undone_at TEXT,
            reverts INTEGER REFERENCES changesets(id) ON DELETE SET NULL,
            undoable INTEGER NOT NULL DEFAULT 1 CHECK (undoable IN (0, 1))
        );
        CREATE INDEX changesets_reverts ON changesets(reverts);
        CREATE TABLE history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            changeset_id INTEGER NOT NULL REFERENCES changesets(id) ON DELETE CASCADE,
            table_name TEXT NOT NULL,
            row_id INTEGER,
            customer_id INTEGER,
            op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'bulk_insert')),
            old TEXT,
            new TEXT
        );
        CREATE INDEX history_changeset ON history(changeset_id);
        CREATE INDEX history_customer ON history(customer_id);
        CREATE TABLE history_control (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            changeset_id INTEGER
        );
        INSERT INTO history_control (id) VALUES (1);
        """,
    )


@migration
def m008_search(conn: sqlite3.Connection) -> None:
    """Full-text search (crmcli.store.search): one FTS5 trigram table per source, holding folded
    text, and `search_dirty`, the queue of changed records that triggers fill and
    `search.sync()` empties. Triggers cannot write FTS5 tables themselves while
    trusted_schema is OFF, but they can write this plain table, whoever changes the data.
    """
    customer_columns = (
        "name, company, title, city, region, country, address, industry, source, notes"
    )
    script = f"""
        CREATE TABLE search_dirty (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            ref_id INTEGER NOT NULL,
            UNIQUE (source, ref_id)
        );
        CREATE VIRTUAL TABLE search_customers USING fts5(
            name, pinyin, body, digits, tokenize = 'trigram case_sensitive 0'
        );
        CREATE VIRTUAL TABLE search_interactions USING fts5(
            text, tokenize = 'trigram case_sensitive 0'
        );
        CREATE VIRTUAL TABLE search_purchases USING fts5(
            item, body, tokenize = 'trigram case_sensitive 0'
        );
        INSERT INTO search_customers (search_customers, rank)
            VALUES ('rank', 'bm25(10.0, 6.0, 1.0, 4.0)');
        INSERT INTO search_purchases (search_purchases, rank) VALUES ('rank', 'bm25(3.0, 1.0)');
        CREATE TRIGGER search_customers_ai AFTER INSERT ON customers BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('customers', NEW.id)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER search_customers_au AFTER UPDATE OF {customer_columns} ON customers
        BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('customers', NEW.id)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER search_customers_ad AFTER DELETE ON customers BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('customers', OLD.id)
                ON CONFLICT DO NOTHING;
        END;
    """  # noqa: S608 - fixed names only
    for child in ("customer_phones", "customer_emails", "customer_fields"):
        script += f"""
        CREATE TRIGGER search_{child}_ai AFTER INSERT ON {child} BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('customers', NEW.customer_id)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER search_{child}_au AFTER UPDATE ON {child} BEGIN
            INSERT INTO search_dirty (source, ref_id)
                VALUES ('customers', OLD.customer_id), ('customers', NEW.customer_id)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER search_{child}_ad AFTER DELETE ON {child} BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('customers', OLD.customer_id)
                ON CONFLICT DO NOTHING;
        END;
        """  # noqa: S608 - fixed names only
    for table, columns in (
        ("interactions", "text, outcome, customer_id"),
        ("purchases", "item, category, note, order_ref, customer_id"),
    ):
        script += f"""
        CREATE TRIGGER search_{table}_ai AFTER INSERT ON {table} BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('{table}', NEW.id)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER search_{table}_au AFTER UPDATE OF {columns} ON {table} BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('{table}', NEW.id)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER search_{table}_ad AFTER DELETE ON {table} BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('{table}', OLD.id)
                ON CONFLICT DO NOTHING;
        END;
        """  # noqa: S608 - fixed names only
    execute_script(conn, script)
    for table in ("customers", "interactions", "purchases"):
        queue_search(conn, table, table)


@migration
def m009_feedback_surveys(conn: sqlite3.Connection) -> None:
    """Feedback items (complaints, suggestions, praise, questions) and survey answers.

    A feedback item is open while `resolved_at` is NULL; reopening clears it. A survey
    answer holds an NPS score (0-10), a CSAT score (1-5), or both. Times are ISO 8601 with
    the local offset of their moment. AUTOINCREMENT: scripts resolve and delete by id.
    """
    execute_script(
        conn,
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            kind TEXT NOT NULL
                CHECK (kind IN ('complaint', 'suggestion', 'praise', 'question')),
            severity TEXT NOT NULL DEFAULT 'normal'
                CHECK (severity IN ('low', 'normal', 'high')),
            text TEXT NOT NULL CHECK (length(trim(text)) > 0),
            received_at TEXT NOT NULL,
            resolved_at TEXT,
            resolution TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (resolution IS NULL OR resolved_at IS NOT NULL)
        );
        CREATE INDEX feedback_customer ON feedback(customer_id, received_at);
        CREATE INDEX feedback_received ON feedback(received_at);
        CREATE INDEX feedback_open ON feedback(severity, received_at) WHERE resolved_at IS NULL;
        CREATE TABLE surveys (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            nps INTEGER CHECK (nps BETWEEN 0 AND 10),
            csat INTEGER CHECK (csat BETWEEN 1 AND 5),
            comment TEXT,
            answered_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            CHECK (nps IS NOT NULL OR csat IS NOT NULL)
        );
        CREATE INDEX surveys_customer ON surveys(customer_id, answered_at);
        CREATE INDEX surveys_answered ON surveys(answered_at);
        """,
    )


@migration
def m010_care(conn: sqlite3.Connection) -> None:
    """Customer care: lunar birthdays and dates, festival care rules, follow-up rhythms.

    A lunar birthday or date keeps its Gregorian day in `birthday` / `date_on` (the same
    day, converted once, so ages, filters and other readers keep working) and the lunar
    date as typed in `birthday_lunar` / `date_lunar` (`1990-08-15`, `1990-闰06-15`): the
    yearly recurrence follows the lunar one. `cadence_max_days` is the longest gap allowed
    after `cadence_days` (the ideal one). `repeat_after` repeats a task a period after it
    is done, where `every` keeps a strict calendar.
    """
    execute_script(
        conn,
        """
        ALTER TABLE customers ADD COLUMN birthday_lunar TEXT
            CHECK (birthday_lunar IS NULL OR birthday IS NOT NULL);
        ALTER TABLE customers ADD COLUMN cadence_max_days INTEGER
            CHECK (cadence_max_days IS NULL
                   OR (cadence_days IS NOT NULL AND cadence_max_days > cadence_days));
        ALTER TABLE important_dates ADD COLUMN date_lunar TEXT;
        ALTER TABLE tasks ADD COLUMN repeat_after TEXT
            CHECK (repeat_after IS NULL OR every IS NULL);
        CREATE TABLE care_rules (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            festival TEXT NOT NULL,
            action TEXT NOT NULL CHECK (length(trim(action)) > 0),
            selection TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX care_rules_festival ON care_rules(festival);
        """,
    )


@migration
def m011_views(conn: sqlite3.Connection) -> None:
    """Read-only views for sqlite3, sqlite-utils and datasette users (and `crm sql`)."""
    execute_script(
        conn,
        """
        CREATE VIEW customer_overview AS
        SELECT c.id, c.name, c.kind, c.company, c.title, c.city, c.region, c.country,
            c.source, c.stage, c.external_id,
            (SELECT phone FROM customer_phones p WHERE p.customer_id = c.id
             ORDER BY p.is_primary DESC, p.id LIMIT 1) AS phone,
            (SELECT email FROM customer_emails e WHERE e.customer_id = c.id
             ORDER BY e.is_primary DESC, e.id LIMIT 1) AS email,
            (SELECT group_concat(name, ',') FROM (SELECT t.name FROM customer_tags ct
             JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = c.id ORDER BY t.name))
                AS tags,
            (SELECT max(occurred_at) FROM interactions i
             WHERE i.customer_id = c.id AND i.kind != 'note') AS last_contact_at,
            (SELECT count(*) FROM tasks k WHERE k.customer_id = c.id AND k.done_at IS NULL)
                AS open_tasks,
            (SELECT count(*) FROM purchases p WHERE p.customer_id = c.id) AS purchase_lines,
            (SELECT min(purchased_at) FROM purchases p WHERE p.customer_id = c.id)
                AS first_purchase_at,
            (SELECT max(purchased_at) FROM purchases p WHERE p.customer_id = c.id)
                AS last_purchase_at,
            c.created_at, c.updated_at, c.archived_at
        FROM customers c;
        CREATE VIEW customer_revenue AS
        SELECT customer_id, currency,
            count(*) AS lines,
            sum(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END) AS revenue_minor,
            -sum(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END) AS refunds_minor,
            sum(amount_minor) AS net_minor,
            min(purchased_at) AS first_purchase_at,
            max(purchased_at) AS last_purchase_at
        FROM purchases
        GROUP BY customer_id, currency;
        """,
    )


@migration
def m012_search_feedback(conn: sqlite3.Connection) -> None:
    """Feedback joins the search index (`crm search --in feedback`), kept by the same queue."""
    execute_script(
        conn,
        """
        CREATE VIRTUAL TABLE search_feedback USING fts5(
            text, tokenize = 'trigram case_sensitive 0'
        );
        CREATE TRIGGER search_feedback_ai AFTER INSERT ON feedback BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('feedback', NEW.id)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER search_feedback_au AFTER UPDATE OF text, resolution, customer_id
            ON feedback BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('feedback', NEW.id)
                ON CONFLICT DO NOTHING;
        END;
        CREATE TRIGGER search_feedback_ad AFTER DELETE ON feedback BEGIN
            INSERT INTO search_dirty (source, ref_id) VALUES ('feedback', OLD.id)
                ON CONFLICT DO NOTHING;
        END;
        """,
    )
    queue_search(conn, "feedback", "feedback")


@migration
def m013_stored_tags_by_id(conn: sqlite3.Connection) -> None:
    """Saved segments, rules, care rules and tag cadences name a tag that exists by its id,
    so that renaming a tag is one UPDATE of the tags table (crmcli.records.filters describes
    the stored form). Names of no tag stay names. Self-contained: a frozen copy of how a
    `--where "tag = NAME"` expression was read when this step was written."""
    import json
    import re

    conn.execute(
        "ALTER TABLE rules ADD COLUMN tag_id INTEGER REFERENCES tags(id) ON DELETE SET NULL"
    )
    conn.execute(
        "UPDATE rules SET tag_id = (SELECT id FROM tags WHERE name = rules.tag COLLATE NOCASE)"
    )
    tags = conn.execute("SELECT id, name FROM tags").fetchall()
    by_key = {name.strip().encode().lower(): (tag_id, name) for tag_id, name in tags}
    where = re.compile(r"\s*(tag)\s*(!=|==|=)\s*(.*?)\s*", re.DOTALL)

    def bind(item: object, is_where: bool) -> object:
        if not isinstance(item, str):
            return item
        name = item
        if is_where:
            match = where.fullmatch(item)
            if not match:
                return item
            name = match.group(3)
            if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
                name = name[1:-1]
        found = by_key.get(name.strip().encode().lower())
        if found is None:
            return item
        key = "text" if is_where else "typed"
        return {"id": found[0], key: item, "saved": found[1]}

    for table, column in (("segments", "filter"), ("rules", "filter"), ("care_rules", "selection")):
        rows = conn.execute(f"SELECT id, {column} FROM {table}").fetchall()  # noqa: S608
        for row_id, text in rows:
            data = json.loads(text)
            for key in ("tag", "without_tag", "where"):
                if data.get(key):
                    data[key] = [bind(item, key == "where") for item in data[key]]
            conn.execute(
                f"UPDATE {table} SET {column} = ? WHERE id = ?",  # noqa: S608
                (json.dumps(data, ensure_ascii=False, sort_keys=True), row_id),
            )
    by_fold = {name.casefold(): tag_id for tag_id, name in tags}
    for key, _value in conn.execute(
        "SELECT key, value FROM settings WHERE key LIKE 'cadence.tag.%'"
    ).fetchall():
        tag_id = by_fold.get(key[len("cadence.tag.") :])
        if tag_id is not None:
            conn.execute(
                "UPDATE settings SET key = ? WHERE key = ?", (f"cadence.tag_id.{tag_id}", key)
            )


@migration
def m014_history_secrets(conn: sqlite3.Connection) -> None:
    """History keeps national ID numbers masked: the clear values it needs to undo a change
    move to `history_secrets` (one row per history row that has any, erased with it), and
    the merge snapshots in `customer_merges.record` (and their history images) keep only the
    masked number. The masking is the one of mask_national_id, frozen here."""
    import json
    import re

    conn.execute(
        "CREATE TABLE history_secrets (history_id INTEGER PRIMARY KEY "
        "REFERENCES history(id) ON DELETE CASCADE, old TEXT, new TEXT)"
    )

    def mask(value: object) -> object:
        if not isinstance(value, str) or not value:
            return value
        if len(value) <= 10:
            return "*" * len(value)
        return value[:6] + "*" * (len(value) - 10) + value[-4:]

    def literal(value: object) -> str:
        return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"

    def field(key: str) -> re.Pattern[str]:  # one 'key',value pair of a history image
        return re.compile(rf"(^|,)'{key}',(NULL|'(?:[^']|'')*'|[^,]*)")

    national_id, record = field("national_id"), field("record")

    def unquote(text: str) -> str | None:
        return None if text == "NULL" else text[1:-1].replace("''", "'")

    rows = conn.execute(
        "SELECT id, old, new FROM history WHERE table_name = 'customers' "
        "AND (old LIKE '%''national_id'',''%' OR new LIKE '%''national_id'',''%')"
    ).fetchall()
    for history_id, *images in rows:
        clear: list[str | None] = [None, None]
        for i, text in enumerate(images):
            found = national_id.search(text or "")
            if found is None or found.group(2) == "NULL":
                continue
            clear[i] = f"'national_id',{found.group(2)}"
            masked = literal(mask(unquote(found.group(2))))
            images[i] = text[: found.start(2)] + masked + text[found.end(2) :]
        conn.execute("UPDATE history SET old = ?, new = ? WHERE id = ?", (*images, history_id))
        conn.execute(
            "INSERT INTO history_secrets (history_id, old, new) VALUES (?, ?, ?)",
            (history_id, *clear),
        )

    def masked_snapshot(text: str) -> str:
        data = json.loads(text)
        if isinstance(data, dict) and "national_id" in data:
            data["national_id"] = mask(data["national_id"])
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    for merge_id, text in conn.execute("SELECT id, record FROM customer_merges").fetchall():
        conn.execute(
            "UPDATE customer_merges SET record = ? WHERE id = ?", (masked_snapshot(text), merge_id)
        )
    rows = conn.execute(
        "SELECT id, old, new FROM history WHERE table_name = 'customer_merges'"
    ).fetchall()
    for history_id, *images in rows:
        for i, text in enumerate(images):
            found = record.search(text or "")
            if found is not None and found.group(2) != "NULL":
                snapshot = literal(masked_snapshot(unquote(found.group(2)) or "{}"))
                images[i] = text[: found.start(2)] + snapshot + text[found.end(2) :]
        conn.execute("UPDATE history SET old = ?, new = ? WHERE id = ?", (*images, history_id))


@migration
def m015_yearless_birthdays(conn: sqlite3.Connection) -> None:
    """A birthday without a year is the birthday itself, stored `--MM-DD`, so reminders see
    it: imports used to keep it as the field `birthday_no_year` (`MM-DD`). The field moves
    into an empty birthday when it is a day of some year (29 February is); otherwise, or
    when the customer has a birthday already, it stays a field."""
    import re

    longest = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    rows = conn.execute(
        "SELECT f.id, f.customer_id, f.value FROM customer_fields f "
        "JOIN customers c ON c.id = f.customer_id "
        "WHERE f.key = 'birthday_no_year' AND c.birthday IS NULL"
    ).fetchall()
    for field_id, customer_id, value in rows:
        day = re.fullmatch(r"(?:--)?(\d\d)-?(\d\d)", value.strip())
        if day is None or not (
            1 <= int(day[1]) <= 12 and 1 <= int(day[2]) <= longest[int(day[1]) - 1]
        ):
            continue
        conn.execute(
            "UPDATE customers SET birthday = ? WHERE id = ?", (f"--{day[1]}-{day[2]}", customer_id)
        )
        conn.execute("DELETE FROM customer_fields WHERE id = ?", (field_id,))


@migration
def m016_contact(conn: sqlite3.Connection) -> None:
    """Contact is what the `contact.counts` setting names (crmcli.records.interactions):
    interactions of some kinds and purchases, feedback and survey answers. An index on
    interactions that holds the kind, so the latest contact of every customer is read from
    indexes alone; and `customer_overview.last_contact_at` follows the setting, read from
    the settings table (its default frozen here: every kind but a note, and the three)."""
    execute_script(
        conn,
        """
        CREATE INDEX interactions_contact ON interactions(customer_id, occurred_at, kind);
        DROP INDEX interactions_customer;
        DROP VIEW customer_overview;
        CREATE VIEW customer_overview AS
        WITH counted(words) AS (SELECT ',' || coalesce(
            (SELECT value FROM settings WHERE key = 'contact.counts'),
            'call,email,meeting,visit,message,purchase,feedback,survey') || ',')
        SELECT c.id, c.name, c.kind, c.company, c.title, c.city, c.region, c.country,
            c.source, c.stage, c.external_id,
            (SELECT phone FROM customer_phones p WHERE p.customer_id = c.id
             ORDER BY p.is_primary DESC, p.id LIMIT 1) AS phone,
            (SELECT email FROM customer_emails e WHERE e.customer_id = c.id
             ORDER BY e.is_primary DESC, e.id LIMIT 1) AS email,
            (SELECT group_concat(name, ',') FROM (SELECT t.name FROM customer_tags ct
             JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = c.id ORDER BY t.name))
                AS tags,
            (SELECT at FROM (
                SELECT occurred_at AS at FROM interactions i WHERE i.customer_id = c.id
                    AND i.kind != 'note'
                    AND instr((SELECT words FROM counted), ',' || i.kind || ',')
                UNION ALL SELECT purchased_at FROM purchases p WHERE p.customer_id = c.id
                    AND instr((SELECT words FROM counted), ',purchase,')
                UNION ALL SELECT received_at FROM feedback f WHERE f.customer_id = c.id
                    AND instr((SELECT words FROM counted), ',feedback,')
                UNION ALL SELECT answered_at FROM surveys s WHERE s.customer_id = c.id
                    AND instr((SELECT words FROM counted), ',survey,'))
             ORDER BY julianday(at) DESC LIMIT 1) AS last_contact_at,
            (SELECT count(*) FROM tasks k WHERE k.customer_id = c.id AND k.done_at IS NULL)
                AS open_tasks,
            (SELECT count(*) FROM purchases p WHERE p.customer_id = c.id) AS purchase_lines,
            (SELECT min(purchased_at) FROM purchases p WHERE p.customer_id = c.id)
                AS first_purchase_at,
            (SELECT max(purchased_at) FROM purchases p WHERE p.customer_id = c.id)
                AS last_purchase_at,
            c.created_at, c.updated_at, c.archived_at
        FROM customers c;
        """,
    )


@migration
def m017_phone_kinds(conn: sqlite3.Connection) -> None:
    """A phone has a kind: `number` (stored in E.164) or `service`, a service number or
    short code from a phone book (`10086`, `95555`), stored as its digits. Every phone
    stored before was a number, but one not in E.164 (written by hand) is a service one."""
    execute_script(
        conn,
        """
        ALTER TABLE customer_phones ADD COLUMN kind TEXT NOT NULL DEFAULT 'number'
            CHECK (kind IN ('number', 'service'));
        UPDATE customer_phones SET kind = 'service' WHERE phone NOT LIKE '+%';
        """,
    )


@migration
def m018_purchase_summaries(conn: sqlite3.Connection) -> None:
    """Per customer and currency, the figures of their purchase days the daily commands rank
    churn risks and RFM by, indexed by what is at stake; per customer, those of their purchase
    days in every currency, for the lifecycle stage (crmcli.store.summaries); and the queue of
    customers to recompute that triggers on purchases fill whoever writes. Every customer
    with a purchase is queued here; migrate() computes them after the steps."""
    execute_script(
        conn,
        """
        CREATE TABLE purchase_summaries (
            customer_id INTEGER NOT NULL,
            currency TEXT NOT NULL,
            purchase_days INTEGER NOT NULL,
            first_on TEXT NOT NULL,
            last_on TEXT NOT NULL,
            median_gap REAL,
            at_stake_minor INTEGER NOT NULL,
            net_minor INTEGER NOT NULL,
            PRIMARY KEY (customer_id, currency)
        ) WITHOUT ROWID;
        CREATE TABLE customer_purchase_days (
            customer_id INTEGER PRIMARY KEY,
            purchase_days INTEGER NOT NULL,
            first_on TEXT NOT NULL,
            last_on TEXT NOT NULL,
            previous_on TEXT,
            median_gap REAL,
            median_gap_before REAL
        ) WITHOUT ROWID;
        CREATE INDEX purchase_summaries_stake
            ON purchase_summaries(currency, at_stake_minor DESC, last_on, customer_id);
        CREATE TABLE purchase_summaries_dirty (customer_id INTEGER PRIMARY KEY) WITHOUT ROWID;
        CREATE TRIGGER purchase_summaries_insert AFTER INSERT ON purchases BEGIN
            INSERT OR IGNORE INTO purchase_summaries_dirty VALUES (NEW.customer_id);
        END;
        CREATE TRIGGER purchase_summaries_update
        AFTER UPDATE OF customer_id, purchased_at, amount_minor, currency ON purchases BEGIN
            INSERT OR IGNORE INTO purchase_summaries_dirty VALUES (OLD.customer_id);
            INSERT OR IGNORE INTO purchase_summaries_dirty VALUES (NEW.customer_id);
        END;
        CREATE TRIGGER purchase_summaries_delete AFTER DELETE ON purchases BEGIN
            INSERT OR IGNORE INTO purchase_summaries_dirty VALUES (OLD.customer_id);
        END;
        INSERT INTO purchase_summaries_dirty SELECT DISTINCT customer_id FROM purchases;
        """,
    )


@migration
def m019_custom_festivals(conn: sqlite3.Connection) -> None:
    """The user's own yearly festivals (Christmas, a company anniversary), beside the built-in
    ones of crmcli.core.festivals: a name, unique by its folded form (`name_key`, as names
    are matched), and a month and day of the Gregorian or the lunar calendar. Care rules
    name one by its name (`care_rules.festival`)."""
    execute_script(
        conn,
        """
        CREATE TABLE custom_festivals (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_key TEXT NOT NULL UNIQUE,
            calendar TEXT NOT NULL CHECK (calendar IN ('gregorian', 'lunar')),
            month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
            day INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31),
            created_at TEXT NOT NULL
        );
        """,
    )


@migration
def m020_name_order(conn: sqlite3.Connection) -> None:
    """Each customer's pinyin sort key (`crm list --sort pinyin`), beside the search index's
    pinyin and kept by the same queue: every customer is queued here; migrate() computes
    their keys after the steps."""
    execute_script(
        conn,
        """
        CREATE TABLE search_name_order (
            customer_id INTEGER PRIMARY KEY,
            sort_key TEXT NOT NULL
        );
        CREATE INDEX search_name_order_key ON search_name_order(sort_key);
        """,
    )
    queue_search(conn, "customers", "customers")


@migration
def m021_purchases_by_time_covering(conn: sqlite3.Connection) -> None:
    """The index of purchase lines by time carries their currency and amount, so a sum over
    a span of days (the dashboard's revenue panel, `crm report sales` by period) reads the
    index alone instead of looking up every line in the table: at 1M lines the dashboard's
    three months took 0.18 s of CPU, a fifth of that from the index."""
    execute_script(
        conn,
        """
        DROP INDEX purchases_purchased_at;
        CREATE INDEX purchases_purchased_at ON purchases(purchased_at, currency, amount_minor);
        """,
    )


@migration
def m022_first_phone_and_email(conn: sqlite3.Connection) -> None:
    """Each customer's phones and emails in the order lists show them (the primary one
    first, then by id), with the value: the first phone and email of a customer, which `crm
    list`, `crm today` and `crm remind` show for every row, come from the index alone instead
    of a sort per customer (`crm list -f csv` of 100k customers: 0.1 s less CPU)."""
    execute_script(
        conn,
        """
        CREATE INDEX customer_phones_first
            ON customer_phones(customer_id, is_primary DESC, id, phone);
        CREATE INDEX customer_emails_first
            ON customer_emails(customer_id, is_primary DESC, id, email);
        """,
    )


@migration
def m023_channel_keys(conn: sqlite3.Connection) -> None:
    """Channels are stored as their keys (`wechat`), whichever language they were typed in,
    so that `--where "channel = 微信"` and reports group them: earlier versions kept an
    interaction's channel and a customer's preferred channel as typed (`微信`, `WeChat`).
    A stored word of crm's own channels becomes its key, compared as `crm log` compares
    them now (full width as half width, case and spaces ignored); any other value stays as
    it was. Self-contained: a frozen copy of the channel words when this step was written."""
    import re
    import unicodedata

    keys = ("call", "phone", "email", "meeting", "visit", "message", "sms", "wechat")
    words = {
        "通话": "call", "电话": "phone", "邮件": "email", "会面": "meeting", "拜访": "visit",
        "消息": "message", "短信": "sms", "微信": "wechat", **{key: key for key in keys},
    }  # fmt: skip

    def typed(text: str) -> str:
        return re.sub(r"\s", "", unicodedata.normalize("NFKC", text).casefold())

    for table, column in (("interactions", "channel"), ("customers", "preferred_channel")):
        stored = conn.execute(
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
        ).fetchall()
        for (value,) in stored:
            key = words.get(typed(value))
            if key is not None and key != value:
                conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {column} = ?",  # noqa: S608
                    (key, value),
                )


@migration
def m024_archived_and_recency_indexes(conn: sqlite3.Connection) -> None:
    """Two indexes for the daily commands and the dashboard at 100k customers: the archived
    customers alone (few), so a query keeps the live customers' rows by leaving those ids
    out instead of joining every row with the customers table (the overdue tasks of `crm
    today`: 0.08 s to 0.03 s of CPU); and each customer's purchase summary by currency,
    last day and purchase days, so the dashboard's RFM panel counts customers per cell
    from the index in SQL (0.11 s to 0.02 s)."""
    execute_script(
        conn,
        """
        CREATE INDEX customers_archived ON customers(archived_at) WHERE archived_at IS NOT NULL;
        CREATE INDEX purchase_summaries_recency
            ON purchase_summaries(currency, last_on, purchase_days);
        """,
    )


@migration
def m025_stage_as_of_covering(conn: sqlite3.Connection) -> None:
    """The index of stage changes by customer and time carries the id (the tie-break of two
    changes at one moment) and the stage changed to, so a customer's stage as of a day (the
    dashboard's funnel, `crm report lifecycle`, for every customer) is read from the index
    alone: the funnel at 100k customers 0.084 to 0.062 s of CPU."""
    execute_script(
        conn,
        """
        DROP INDEX stage_changes_customer;
        CREATE INDEX stage_changes_customer
            ON stage_changes(customer_id, changed_at, id, to_stage);
        """,
    )


@migration
def m026_last_contacts(conn: sqlite3.Connection) -> None:
    """Each customer's last contact (a julian day, UTC) under the `contact.counts` setting,
    kept by crmcli.store.last_contacts, so the daily commands and the dashboard read it by
    key instead of from the index of every counted table; and the queue of customers to
    recompute, which triggers on interactions, feedback and surveys fill whoever writes,
    and a change of the setting fills with every customer (purchase lines are queued in
    `purchase_summaries_dirty` already). Every customer is queued here; migrate() computes
    them after the steps. And the live customers with a cadence of their own, with what
    their cadence needs, in an index of their own (a tenth of the customers in the medium
    benchmark), so the daily commands read those rows instead of every customer's; and
    likewise the live customers with a birthday, with it (the birthdays of the day were
    found by reading every customer's row: 0.016 to 0.004 s at 100k)."""
    execute_script(
        conn,
        """
        CREATE TABLE last_contacts (
            customer_id INTEGER PRIMARY KEY,
            at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE last_contacts_dirty (customer_id INTEGER PRIMARY KEY) WITHOUT ROWID;
        CREATE TRIGGER last_contacts_interaction_insert AFTER INSERT ON interactions BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (NEW.customer_id);
        END;
        CREATE TRIGGER last_contacts_interaction_update
        AFTER UPDATE OF customer_id, occurred_at, kind ON interactions BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (OLD.customer_id);
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (NEW.customer_id);
        END;
        CREATE TRIGGER last_contacts_interaction_delete AFTER DELETE ON interactions BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (OLD.customer_id);
        END;
        CREATE TRIGGER last_contacts_feedback_insert AFTER INSERT ON feedback BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (NEW.customer_id);
        END;
        CREATE TRIGGER last_contacts_feedback_update
        AFTER UPDATE OF customer_id, received_at ON feedback BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (OLD.customer_id);
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (NEW.customer_id);
        END;
        CREATE TRIGGER last_contacts_feedback_delete AFTER DELETE ON feedback BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (OLD.customer_id);
        END;
        CREATE TRIGGER last_contacts_survey_insert AFTER INSERT ON surveys BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (NEW.customer_id);
        END;
        CREATE TRIGGER last_contacts_survey_update
        AFTER UPDATE OF customer_id, answered_at ON surveys BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (OLD.customer_id);
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (NEW.customer_id);
        END;
        CREATE TRIGGER last_contacts_survey_delete AFTER DELETE ON surveys BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty VALUES (OLD.customer_id);
        END;
        CREATE TRIGGER last_contacts_counts_insert AFTER INSERT ON settings
        WHEN NEW.key = 'contact.counts' BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty SELECT id FROM customers;
        END;
        CREATE TRIGGER last_contacts_counts_update AFTER UPDATE ON settings
        WHEN 'contact.counts' IN (OLD.key, NEW.key) AND (OLD.key IS NOT NEW.key
            OR OLD.value IS NOT NEW.value) BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty SELECT id FROM customers;
        END;
        CREATE TRIGGER last_contacts_counts_delete AFTER DELETE ON settings
        WHEN OLD.key = 'contact.counts' BEGIN
            INSERT OR IGNORE INTO last_contacts_dirty SELECT id FROM customers;
        END;
        INSERT INTO last_contacts_dirty SELECT id FROM customers;
        CREATE INDEX customers_cadence
            ON customers(cadence_days, cadence_max_days, created_at, stage, archived_at)
            WHERE cadence_days IS NOT NULL AND archived_at IS NULL;
        CREATE INDEX customers_birthdays ON customers(birthday, birthday_lunar, archived_at)
            WHERE birthday IS NOT NULL AND archived_at IS NULL;
        """,
    )


@migration
def m027_queue_triggers(conn: sqlite3.Connection) -> None:
    """The triggers that queue customers for the last contacts and the purchase summaries
    are dropped here and made again after the steps from crmcli.store.queues, as the
    history triggers are, written so that another program's writes keep them right under
    any conflict policy: a queue insert that cannot conflict (an `INSERT OR ABORT` of two
    rows of one customer failed on the queue), and BEFORE triggers that queue the owner of
    the row a REPLACE deletes (it fires no DELETE trigger). Every customer is queued in both
    queues: a REPLACE before this version may have left a stored value wrong."""
    for source in ("interaction", "feedback", "survey"):
        for op in ("insert", "update", "delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS last_contacts_{source}_{op}")
    for op in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS last_contacts_counts_{op}")
        conn.execute(f"DROP TRIGGER IF EXISTS purchase_summaries_{op}")
    for queue in ("last_contacts_dirty", "purchase_summaries_dirty"):
        conn.execute(
            f"INSERT INTO {queue} (customer_id) SELECT id FROM customers "  # noqa: S608 - fixed names only
            f"WHERE id NOT IN (SELECT customer_id FROM {queue})"
        )


@migration
def m028_compact_history_triggers(conn: sqlite3.Connection) -> None:
    """No step of its own: the history triggers, rebuilt after every upgrade
    (crmcli.store.history.install_triggers), take their shorter form (one printf a row
    instead of a chain of `||`), which SQLite parses faster each time the file is opened;
    this version makes a file of 27 upgrade to get them. What they store is the same, to
    the byte."""


# A new migration goes above this line, named m<the version it leaves>_<what it adds>.
SCHEMA_VERSION = len(MIGRATIONS)
# What an upgrade calls each step (its name after the version, as `step_name` makes it), in
# order, for the catalog: a Chinese terminal shows them in Chinese. A new migration adds its own.
STEP_NAMES = (
    N_("customers"), N_("interactions tasks"), N_("purchases products"), N_("tags stages"),
    N_("segments rules"), N_("import merge"), N_("history"), N_("search"),
    N_("feedback surveys"), N_("care"), N_("views"), N_("search feedback"),
    N_("stored tags by id"), N_("history secrets"), N_("yearless birthdays"), N_("contact"),
    N_("phone kinds"), N_("purchase summaries"), N_("custom festivals"), N_("name order"),
    N_("purchases by time covering"), N_("first phone and email"), N_("channel keys"),
    N_("archived and recency indexes"), N_("stage as of covering"), N_("last contacts"),
    N_("queue triggers"), N_("compact history triggers"),
)  # fmt: skip


def step_name(fn: Migration) -> str:
    """A migration's name as an upgrade shows it: `m017_phone_kinds` is `phone kinds`."""
    return fn.__name__.partition("_")[2].replace("_", " ")


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _check_not_newer(version: int, path: Path | None) -> None:
    if version > SCHEMA_VERSION:
        raise StorageError(
            _(
                "{path} has schema version {version}, newer than this crm knows ({known}); "
                "upgrade crm to open it (the file was not changed)"
            ).format(path=path or _("the database"), version=version, known=SCHEMA_VERSION)
        )


def needs_upgrade(conn: sqlite3.Connection, path: Path | None) -> bool:
    """True when the file is older than this program; raises StorageError when newer."""
    # The version and the tables read by one statement, so from one state of the file:
    # read apart, another crm making the same new file could commit its first step between
    # them (version 0, then tables), and the file was refused as not crm's.
    version, tables = conn.execute(
        "SELECT (SELECT user_version FROM pragma_user_version), EXISTS (SELECT 1 FROM "
        "sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%')"
    ).fetchone()
    _check_not_newer(version, path)
    if version == 0 and tables:
        raise StorageError(_("{path} is an SQLite file but not a crm database").format(path=path))
    return version < SCHEMA_VERSION


def _foreign_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [r[0] for r in rows]


def backup_before_upgrade(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the database through the backup API to a new `<path>.v<version>-<stamp>.bak`
    (mode 0600; `-2.bak`, `-3.bak`... when that name is taken)."""
    from crmcli.core import clock

    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    for n in itertools.count(1):
        dest = path.with_name(f"{path.name}.v{version}-{stamp}{f'-{n}' if n > 1 else ''}.bak")
        with contextlib.suppress(FileExistsError):
            create_private_file(dest)
            break
    target = open_new_file(dest, like=conn)  # encrypted with the database's key, if any
    try:
        conn.backup(target)
    finally:
        target.close()
    return dest


@functools.lru_cache(maxsize=1)
def search_objects() -> dict[str, tuple[str, str]]:
    """Every search object a new file has but the shadow tables FTS5 makes beside a search
    table: the search tables, the queue (`search_dirty`), the pinyin order, their triggers
    and indexes, by name: (type, the statement that makes it), read from a file these
    migrations make in memory (a tenth of a second: for crm check and crm reindex, which
    make each again as the schema does: crmcli.store.search.astray)."""
    from crmcli.store.connection import open_sqlite

    conn = open_sqlite(":memory:")
    try:
        migrate(conn, None)
        found = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'search%' AND sql "
            "IS NOT NULL ORDER BY type = 'table' DESC, type = 'index' DESC, name"
        ).fetchall()  # tables before the triggers and indexes made on them
    finally:
        conn.close()
    fts = [name for kind, name, sql in found if sql.upper().startswith("CREATE VIRTUAL")]
    return {
        name: (kind, sql)
        for kind, name, sql in found
        if not (kind == "table" and any(name.startswith(f"{table}_") for table in fts))
    }


def migrate(conn: sqlite3.Connection, path: Path | None, progress: Progress = SILENT) -> None:
    """Bring the schema up to SCHEMA_VERSION, one transaction per migration. `progress`
    hears the phases of upgrading an existing file ("upgrading the database: purchase
    summaries"), which on a large file may take seconds; a new file is made silently."""
    version = user_version(conn)
    if not needs_upgrade(conn, path):
        return
    if version == 0:
        progress = SILENT  # a new (or in-memory) database, not an upgrade: quick
        if path is not None:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent; set once at creation
    elif path is not None:
        progress.phase(_("upgrading the database: a backup copy first"))
        backup_before_upgrade(conn, path, version)
    for step, fn in enumerate(MIGRATIONS):
        with transaction(conn):
            # Re-read inside the lock: another process may have migrated meanwhile.
            current = user_version(conn)
            if current > step:
                continue
            if current == 0 and _foreign_tables(conn):
                raise StorageError(
                    _("{path} is an SQLite file but not a crm database").format(path=path)
                )
            progress.phase(_("upgrading the database: {step}").format(step=_(step_name(fn))))
            fn(conn)
            conn.execute(f"PRAGMA user_version = {step + 1}")
    # After every upgrade, derived parts the steps leave to live code: the history triggers of
    # every table from its current columns (crmcli.store.history), so no migration has to
    # remember them, the queue triggers (crmcli.store.queues), and the search index of the
    # records the steps queued.
    from crmcli.store import history, last_contacts, queues, search, summaries

    with transaction(conn):
        progress.phase(_("upgrading the database: history triggers"))
        history.install_triggers(conn)
        queues.install_triggers(conn)  # of the last contacts and the purchase summaries
    with transaction(conn):
        progress.phase(_("upgrading the database: indexing for search"))
        search.sync(conn)
        progress.phase(_("upgrading the database: computing last contacts"))
        last_contacts.sync(conn)  # before summaries.sync empties the queue of purchases
        progress.phase(_("upgrading the database: computing purchase summaries"))
        summaries.sync(conn)
