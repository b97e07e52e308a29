"""Safety and privacy commands: backup, restore, check, history, undo, forget, subject-export,
encrypt, decrypt."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crmcli.cli.app import (
    app,
    before_commit,
    global_options,
    mark_saved,
    output,
    reading,
    writing,
)
from crmcli.cli.options import (
    FormatOption,
    JsonFormat,
    JsonFormatOption,
    LimitOption,
    QuietOption,
    YesOption,
    confirm,
)
from crmcli.cli.output import Format, is_terminal, sentence
from crmcli.core.errors import CrmError, InvalidInput
from crmcli.core.i18n import N_, Said, _
from crmcli.core.text import plural

RevealOption = Annotated[
    bool, typer.Option("--reveal", help="Show sensitive values (national ID) unmasked.")
]


@app.command("backup")
def backup(
    ctx: typer.Context,
    dest: Annotated[
        # Text, not Path: Path drops the trailing slash of `newfolder/`, which says "a folder".
        str | None,
        typer.Argument(
            help="A new file, or a folder: one that exists or a name ending in / "
            "(default: 'backups' beside the database).",
            show_default=False,
        ),
    ] = None,
    keep: Annotated[
        int | None,
        typer.Option(min=1, help="Keep only the newest N backups in that folder."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Copy the database to a verified, private (0600) backup file, safely while in use.

    Example: crm backup --keep 10
    """
    from crmcli.cli.progress import watching
    from crmcli.store.backup import backup_database

    run = global_options(ctx)
    with watching(quiet=quiet, no_color=run.no_color) as progress:
        result = backup_database(run.path, dest, keep=keep, progress=progress)
    lines = [
        _("Backed up to {path} ({size} bytes, integrity ok).").format(
            path=result["path"], size=f"{result['bytes']:,}"
        )
    ]
    lines += [_("Deleted old backup {path}").format(path=path) for path in result["deleted"]]
    output(ctx, quiet=quiet).done("\n".join(lines), result["path"])


@app.command("restore")
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The backup file to restore.")],
    yes: YesOption = False,
) -> None:
    """Replace the database with a backup, after verifying it and keeping a copy of the
    current one.

    Example: crm restore ~/.local/share/crmcli/backups/crm-20261122T100000.db --yes
    """
    from crmcli.store.backup import restore_database, verify_backup

    path = global_options(ctx).path
    info = verify_backup(file, path)
    confirm(
        _(
            "Replace {path} with {file} ({customers})? A copy of the current database is kept."
        ).format(path=path, file=file, customers=plural(info["customers"], "customer").said()),
        yes,
        command="restore",
    )
    result = restore_database(path, file)
    mark_saved(ctx)
    sentence(
        _("Restored {file} ({customers}) into {path}.").format(
            file=file, customers=plural(result["customers"], "customer").said(), path=path
        )
    )
    if result["kept"]:
        sentence(_("The database as it was is kept in {kept}").format(kept=result["kept"]))


@app.command("check")
def check(
    ctx: typer.Context,
    fmt: FormatOption = Format.table,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Remove what an interrupted crm encrypt/decrypt left beside the database "
            "(the copy and its -wal, -shm, -journal) and the copy a killed crm restore left "
            "there (.crm.db.restoring-PID).",
        ),
    ] = False,
) -> None:
    """Check the database: integrity, foreign keys, the search index, schema version,
    history triggers, encryption, file modes, the file's owner and folder, and which hooks
    run; exit 1 naming the problems.

    Example: crm check
    """
    from crmcli.cli.progress import watching
    from crmcli.store.backup import CHECK_COLUMNS, check_database

    run = global_options(ctx)
    with watching(no_color=run.no_color) as progress:  # gone before the table is shown
        rows = check_database(run.path, repair=repair, progress=progress)
    from crmcli.core.vocabulary import word

    on_terminal = is_terminal(sys.stdout)  # inside the pager stdout is the pager's pipe
    with output(ctx, fmt).paged() as out:
        out.rows(rows, CHECK_COLUMNS)
        told = [r for r in rows if r["status"] != "ok"]
        if told and fmt is Format.table and on_terminal:
            # A detail says what to do at its end, where a terminal's table cuts it: below
            # the table each problem and note is said whole, wrapped to the width.
            said = [
                _("{check}: {detail}").format(
                    check=word("check", r["check"]),
                    detail=r["detail"].said() if isinstance(r["detail"], Said) else r["detail"],
                )
                for r in told
            ]
            out.text("\n".join(said), above=False)
    problems = [r for r in rows if r["status"] == "problem"]
    if problems:
        names = _(", ").join(dict.fromkeys(word("check", r["check"]) for r in problems))
        count = plural(len(problems), "problem").said()
        raise CrmError(_("{value} found: {names}").format(value=count, names=names))


@app.command("history")
def history_(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(help="Only this customer's records (a reference).", show_default=False),
    ] = None,
    limit: LimitOption = 50,
    reveal: RevealOption = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Show recorded changes, newest first: when, which command, old and new values
    (--limit 0: every change).

    Example: crm history 张伟 --limit 10
    """
    from crmcli.cli.customers import resolver
    from crmcli.store import history

    with reading(ctx) as conn:
        customer_id = resolver(conn, archived=True)(ref) if ref is not None else None
        # A table's rows are changes a person made, said in words: the rows that say none
        # are left out before --limit counts, so more are read until it has enough.
        wanted = limit
        while True:
            rows = history.list_history(
                conn,
                customer_id=customer_id,
                limit=wanted,
                reveal=reveal,
                bookkeeping=fmt is not Format.table,
            )
            if fmt is not Format.table:
                break
            read, rows = len(rows), _in_words(conn, rows)
            if not limit or len(rows) >= limit or read < wanted:
                rows = rows[:limit] if limit else rows
                break
            wanted *= 2
    if fmt is Format.table:
        from crmcli.cli.output import is_terminal
        from crmcli.core.text import clip

        if is_terminal(sys.stdout):
            # A terminal says the changes in words and cuts them to fit, and makes room for
            # them at 80 columns: the customer named with its id, the record as its table's
            # word and id (`客户（#1）`), and no changeset (the time and command say which).
            # Too narrow, it leaves out the operation and the record before the customer,
            # what the entry is about (a merged one's bare `#2` would else let it go first).
            output(ctx, fmt).rows(
                [_on_screen(r) for r in rows],
                ("at", "customer", "command", "record", "op", "changes"),
                headers={"record": N_("Record")},
                first_out=("op", "record"),
            )
            return
        from crmcli.core.vocabulary import word

        # in the run's language, in words (`amount: 768.00 CNY → 99.50 CNY`); JSON and CSV
        # keep the keys, as scripts read them (a Said is said before it is cut: a cut keeps
        # only its English text)
        clipped = [{**r, "changes": clip(_said(word("changes", r["changes"])), 70)} for r in rows]
        output(ctx, fmt).rows(clipped, history.HISTORY_COLUMNS)
    else:
        from crmcli.core.vocabulary import value_headers

        output(ctx, fmt).rows(
            rows, (*history.HISTORY_COLUMNS, "old", "new"), headers=value_headers()
        )


def _said(value: Any) -> Any:
    return value.said() if isinstance(value, Said) else value


def _in_words(conn: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of a change (`crm history`, `crm undo`'s preview) as a table says them:
    without a record's update of its version and time of change alone (a customer whose
    phones, emails or tags changed: the rows beside it say what changed), nor a change that
    reads the same before and after (a saved filter's tag bound to its id), and a tag by the
    name it had then (`tag=vip`, `标签：vip`, not its number); the columns a
    person never typed are left out by the change itself (history.Changes). JSON and CSV
    keep every row and column, as scripts read them."""
    from crmcli.store.history import BOOKKEEPING, Changes, tag_names_then

    changes = [row["changes"] for row in rows if isinstance(row["changes"], Changes)]
    wanted = {
        (c.entry, c.at, v)
        for c in changes
        if c.entry is not None
        for k, *values in c.fields
        if k == "tag_id"
        for v in values
        if isinstance(v, int)
    }
    names = tag_names_then(conn, wanted)
    gone = _("a deleted tag")  # deleted since, its name recorded nowhere: not its number

    def tag(change: Changes, value: Any) -> Any:
        if not isinstance(value, int) or change.entry is None:
            return value
        return names.get((change.entry, value), gone)

    kept = []
    for row in rows:
        change = row["changes"]
        if not isinstance(change, Changes):
            kept.append(row)
            continue
        columns = {field[0] for field in change.fields}
        if change.updated and columns <= BOOKKEEPING:
            continue
        fields = [
            ("tag", tag(change, a), tag(change, b)) if k == "tag_id" else (k, a, b)
            for k, a, b in change.fields
        ]
        if fields != list(change.fields):
            change = Changes(
                fields, table=change.table, updated=change.updated, currency=change.currency
            )
        if change.updated and change.unchanged_in_words():
            continue  # a filter's tag bound to its id: `--tag 展会 → --tag 展会` is no change
        kept.append({**row, "changes": change})
    return kept


def _on_screen(row: dict[str, Any]) -> dict[str, Any]:
    """A row of `crm history` as a terminal shows it (see history_)."""
    from crmcli.core.vocabulary import word

    name, customer_id = row["customer_name"], row["customer_id"]
    # a customer since erased or merged away has no name left: its id alone (`#6`)
    customer = (
        None
        if customer_id is None
        else _("{name} (#{id})").format(name=name, id=customer_id)
        if name
        else f"#{customer_id}"
    )
    # an import's rows are one entry, of no one record: the table's word alone
    table, record_id = word("table", row["table"]), row["record_id"]
    record = table if record_id is None else _("{table} (#{id})").format(table=table, id=record_id)
    return {**row, "customer": customer, "record": record}


@app.command("undo")
def undo(ctx: typer.Context, yes: YesOption = False, reveal: RevealOption = False) -> None:
    """Revert the last change command, after showing what it will revert.

    Example: crm undo --yes
    """
    from crmcli.store import history

    with reading(ctx) as conn:
        plan = history.undo_target(conn) if history.has_history(conn) else None
        steps = _in_words(conn, history.describe(plan, reveal=reveal)) if plan else []
    if plan is None:
        typer.echo(_("Nothing to undo."))
        return
    from crmcli.core.vocabulary import word

    # the command in words (`合并客户`), as `crm history` names it; English types it
    command = word("command", plan.command)
    if not plan.undoable:
        raise CrmError(
            _(
                "the last change, crm {command} of {at}, cannot be undone; nothing was changed"
            ).format(command=command, at=plan.at)
        )
    with before_commit(ctx):  # `crm undo --yes | head -c1`: the reader left, nothing undone
        sentence(
            _("Undo crm {command} of {at} (changeset {changeset}):").format(
                command=command, at=plan.at, changeset=plan.changeset
            )
        )
        from crmcli.cli.output import is_terminal

        shown = steps  # a terminal says the changes in words, and phones as tables do
        if not is_terminal(sys.stdout):  # plain text: in words too, as `crm history` says them
            shown = [{**s, "changes": _said(word("changes", s["changes"]))} for s in steps]
        output(ctx).rows(shown, ("action", "table", "record_id", "customer_id", "changes"))
    confirm(_("Undo it?"), yes, command="undo")
    with writing(ctx) as conn:
        now = history.undo_target(conn)
        if now is None or now.changeset != plan.changeset:
            raise CrmError(_("the history changed meanwhile; run crm undo again"))
        history.undo(conn, now)
    # As many as the preview showed: it leaves out a record's bookkeeping (its version and
    # time of change), which is reverted with the change it came with.
    typer.echo(_("Undone: {value} reverted.").format(value=plural(len(steps), "change")))


@app.command("forget")
def forget(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    yes: YesOption = False,
    quiet: QuietOption = False,
) -> None:
    """Erase a customer and every trace of them (records, history, index entries, free
    pages, the WAL). It cannot be undone.

    Example: crm forget 12 --yes
    """
    from crmcli.cli.customers import resolver
    from crmcli.records import privacy
    from crmcli.store.backup import backup_folder
    from crmcli.store.db import compact

    with reading(ctx) as conn:
        customer_id = resolver(conn, archived=True)(ref)
        name = conn.execute("SELECT name FROM customers WHERE id = ?", (customer_id,)).fetchone()[0]
    confirm(
        _("Erase customer {customer_id} ({name}) and all their records for good?").format(
            customer_id=customer_id, name=name
        ),
        yes,
        command="forget",
    )
    with writing(ctx) as conn:
        counts = privacy.forget_customer(conn, customer_id)
    path = global_options(ctx).path
    problem, emptied = compact(path)  # the erased bytes leave the file and its WAL
    output(ctx, quiet=quiet).done(
        _(
            "Erased customer {customer_id}: {records} records, {references} references from "
            "others, {history} history entries; {indexes} search indexes rebuilt; {vacuum}"
        ).format(
            customer_id=customer_id,
            records=counts["records"],
            references=counts["references"],
            history=counts["history"],
            indexes=counts["indexes"],
            vacuum=_("file vacuumed.") if problem is None else _("file NOT vacuumed."),
        ),
        customer_id,
    )
    if not emptied:
        sentence(
            "crm: "
            + _(
                "the WAL file could not be emptied (another crm process is reading, or the "
                "disk is full); it is emptied at the next checkpoint (run crm forget again "
                "when idle to be sure)"
            ),
            sys.stderr,
        )
    folder = backup_folder(path)
    where = _("backups folder: {folder}; ").format(folder=folder) if folder.is_dir() else ""
    sentence(
        "crm: "
        + _(
            "backups and exports made before now still hold this customer's data "
            "({where}pre-upgrade copies *.bak beside the database); delete or re-make them."
        ).format(where=where),
        sys.stderr,
    )
    if problem is not None:
        raise CrmError(
            _(
                "customer {customer_id} is erased (committed; it cannot be undone), but "
                "vacuuming the file afterwards failed ({problem}: disk full?): their "
                "erased values are overwritten in place, and the file keeps its free "
                "pages until a later crm forget vacuums it"
            ).format(customer_id=customer_id, problem=problem)
        )


@app.command("subject-export")
def subject_export(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    fmt: JsonFormatOption = JsonFormat.json,
    reveal: RevealOption = False,
) -> None:
    """Everything held on one customer as one JSON document (a data-subject request).

    Example: crm subject-export 张伟 --reveal > zhang-wei.json
    """
    from crmcli.cli.customers import resolver
    from crmcli.cli.output import emit_document
    from crmcli.records import privacy

    with reading(ctx) as conn:
        data = privacy.subject_data(conn, resolver(conn, archived=True)(ref), reveal=reveal)
    emit_document(data)


@app.command("encrypt")
def encrypt(ctx: typer.Context) -> None:
    """Encrypt the database file with a key (SQLCipher; pip install 'crmcli[encrypt]').

    The key comes from CRM_KEY_FILE (a 0600 file), CRM_KEY_FD, or is asked twice at the
    terminal; never from the command line. It waits for other crm commands to finish, and
    those started meanwhile wait for it.

    Example: CRM_KEY_FILE=~/.config/crm.key crm encrypt
    """
    from crmcli.store import encryption
    from crmcli.store.db import convert

    path = global_options(ctx).path
    if not encryption.available():
        raise InvalidInput(_("encryption needs the extra: pip install 'crmcli[encrypt]'"))
    _refuse_if_already(path, encrypted=True)
    key = encryption.configured_key() or encryption.prompt_key(
        path,
        confirm=True,
        need=_(
            "crm encrypt needs a key: give one with CRM_KEY_FILE (a 0600 file) or CRM_KEY_FD, "
            "or run it on a terminal to type one"
        ),
    )
    result = convert(path, key=key, to_encrypted=True)
    mark_saved(ctx)
    sentence(
        _("Encrypted {path} ({customers} customers).").format(
            path=path, customers=result["customers"]
        )
    )
    sys.stderr.write(
        "crm: "
        + _(
            "keep the key safe: without it nothing can be read back. Backups and exports "
            "made before now are not encrypted."
        )
        + "\n"
    )


@app.command("decrypt")
def decrypt(ctx: typer.Context) -> None:
    """Turn an encrypted database back into a plain SQLite file (key as for encrypt).

    Example: CRM_KEY_FILE=~/.config/crm.key crm decrypt
    """
    from crmcli.store import encryption
    from crmcli.store.db import convert

    path = global_options(ctx).path
    if not encryption.available():
        raise InvalidInput(_("decryption needs the extra: pip install 'crmcli[encrypt]'"))
    _refuse_if_already(path, encrypted=False)
    key = encryption.configured_key() or encryption.prompt_key(path)
    result = convert(path, key=key, to_encrypted=False)
    mark_saved(ctx)
    sentence(
        _("Decrypted {path} ({customers} customers).").format(
            path=path, customers=result["customers"]
        )
    )


def _refuse_if_already(path: Path, *, encrypted: bool) -> None:
    """Say at once, before any key is asked for, that there is nothing to convert (the
    conversion checks again, under its lock)."""
    from crmcli.store import encryption
    from crmcli.store.db import convertible

    convertible(path, to_encrypted=encrypted)
    if encryption.is_encrypted(path) == encrypted:
        raise encryption.already(path, encrypted=encrypted)
