"""Benchmark `crm search` on 100k customers and 1M interactions against a plain LIKE scan.

    python bench/search.py [--dir /tmp/issue10-bench] [--customers 100000]
                           [--interactions 1000000] [--runs 5] [--reuse]

Builds a synthetic database under --dir (rows bulk-inserted with executemany straight into
the schema, then `search.rebuild`), then for each query times: the whole `crm search`
process (start-up included; `crm --version` gives the start-up floor), `search.search()`
in this process, and in this process a plain LIKE '%term%' scan of the same columns of the
same data (unranked, no folding or pinyin: it stops at 20 rows). Medians of --runs, and the
ratio of the two in-process figures. Hits found are shown beside each time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from crmcli.store import search
from crmcli.store.db import connect, transaction

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鑫宇浩然梓涵子轩欣怡"
LATIN_FIRST = ["Anna", "Ben", "Chloé", "David", "Elena", "François", "Grace", "James", "María"]
LATIN_LAST = ["Müller", "Smith", "García", "Johnson", "Rossi", "Dubois", "Nowak", "Lefèvre"]
CITIES = ["上海", "北京", "杭州", "深圳", "广州", "成都", "London", "Paris", "Berlin", "Tokyo"]
COMPANIES = ["华为技术", "阿里巴巴", "腾讯科技", "蓝海贸易", "Acme Corp", "Globex", "Initech"]
COLOURS = ["蓝色", "红色", "黑色", "白色", "blue", "red", "black", "silver"]
CN_PHRASES = [
    "在{city}展会上聊了{colour}型号",
    "客户询问{colour}款的报价",
    "跟进发货进度，{city}仓库已出库",
    "微信确认了订单，下周到{city}拜访",
    "价格敏感，下次先谈服务",
    "年度回顾会议，讨论续约",
]
EN_PHRASES = [
    "Met at the {city} trade show, wanted the {colour} model",
    "Discussed the renewal and the {colour} edition",
    "Sent the catalogue and a quote",
    "Checked in after delivery to {city}",
]
QUERIES = [
    "张伟",  # 2-character Chinese name: below the trigram, LIKE over the index content
    "展会上聊了蓝色",  # a Chinese phrase without spaces
    "zhangwei",  # pinyin
    "138 0013",  # phone fragment
    "trade show blue",  # Latin words, any order
    "lefevre",  # accents folded
    "qzxv",  # nothing matches
]


def build(path: Path, customers: int, interactions: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    conn = connect(path, write=True)
    stamp = "2026-01-01T09:00:00+08:00"
    started = time.perf_counter()
    with transaction(conn):
        rows, phones, emails = [], [], []
        for i in range(1, customers + 1):
            if rng.random() < 0.65:
                name = rng.choice(SURNAMES) + "".join(
                    rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
                )
            else:
                name = f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"
                emails.append((i, f"c{i}@example.com", f"c{i}@example.com", 1))
            notes = "想要蓝色款" if rng.random() < 0.05 else None
            rows.append(
                (i, name, search.fold(name), rng.choice(COMPANIES), rng.choice(CITIES), notes,
                 stamp, stamp)
            )  # fmt: skip
            phones.append((i, f"+861{rng.randint(3, 9)}{rng.randint(0, 10**9 - 1):09d}", 1))
        conn.executemany(
            "INSERT INTO customers (id, name, name_key, company, city, notes, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute(
            "INSERT INTO customer_phones (customer_id, phone, is_primary) "
            "VALUES (1, '+8613800138000', 1)"
        )
        conn.executemany(
            "INSERT OR IGNORE INTO customer_phones (customer_id, phone, is_primary) "
            "VALUES (?, ?, ?)",
            phones,
        )
        conn.executemany(
            "INSERT INTO customer_emails (customer_id, email, email_key, is_primary) "
            "VALUES (?, ?, ?, ?)",
            emails,
        )
        batch = []
        for i in range(1, interactions + 1):
            template = rng.choice(CN_PHRASES if rng.random() < 0.6 else EN_PHRASES)
            text = template.format(city=rng.choice(CITIES), colour=rng.choice(COLOURS))
            batch.append((rng.randint(1, customers), "call", stamp, text, stamp, stamp))
            if len(batch) == 50_000:
                conn.executemany(
                    "INSERT INTO interactions (customer_id, kind, occurred_at, text, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    batch,
                )
                batch = []
        if batch:
            conn.executemany(
                "INSERT INTO interactions (customer_id, kind, occurred_at, text, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                batch,
            )
        conn.execute("UPDATE customers SET name = '张伟', name_key = '张伟' WHERE id = 1")
        inserted = time.perf_counter()
        search.rebuild(conn)
    indexed = time.perf_counter()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(
        f"built {customers} customers, {interactions} interactions: insert "
        f"{inserted - started:.1f} s, index {indexed - inserted:.1f} s, "
        f"file {path.stat().st_size / 2**20:.0f} MiB"
    )


def like_scan(path: Path, query: str, limit: int = 20) -> int:
    """The plain alternative: LIKE '%term%' over the same columns, every term, no index."""
    conn = connect(path, write=False)
    try:
        terms = search.parse(query)
        where_c, where_i, params_c, params_i = [], [], [], []
        columns = ("c.name", "c.company", "c.city", "c.notes", "p.phone")
        for term in terms:
            form = term.forms[0]
            like = f"%{form}%"
            where_c.append("(" + " OR ".join(f"{c} LIKE ?" for c in columns) + ")")
            params_c += [like] * len(columns)
            where_i.append("i.text LIKE ?")
            params_i.append(like)
        found = conn.execute(
            "SELECT DISTINCT c.id FROM customers c LEFT JOIN customer_phones p "
            f"ON p.customer_id = c.id WHERE {' AND '.join(where_c)} LIMIT ?",
            [*params_c, limit],
        ).fetchall()
        found += conn.execute(
            f"SELECT i.id FROM interactions i WHERE {' AND '.join(where_i)} LIMIT ?",
            [*params_i, limit],
        ).fetchall()
        return len(found)
    finally:
        conn.close()


def crm_search(path: Path, query: str) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "crmcli", "--db", str(path), "search", query, "-f", "jsonl"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return len(out.splitlines())


def crm_version() -> int:
    subprocess.run([sys.executable, "-m", "crmcli", "--version"], check=True, capture_output=True)
    return 0


def search_in_process(path: Path, query: str) -> int:
    conn = connect(path, write=False)
    try:
        return len(search.search(conn, query))
    finally:
        conn.close()


def timed(fn, *args) -> tuple[float, int]:
    started = time.perf_counter()
    count = fn(*args)
    return time.perf_counter() - started, count


def median_ms(runs: int, fn, *args) -> tuple[float, int]:
    results = [timed(fn, *args) for _ in range(runs)]
    return statistics.median(r[0] for r in results) * 1000, results[-1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/issue10-bench"))
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="Reuse an existing database.")
    args = parser.parse_args()
    path = args.dir / f"search-{args.customers}-{args.interactions}.db"
    if not (args.reuse and path.exists()):
        args.dir.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(path.name + "*"):
            old.unlink()
        build(path, args.customers, args.interactions)
    floor, _ = median_ms(args.runs, crm_version)
    print(f"process start-up floor (crm --version): {floor:.0f} ms; medians of {args.runs} runs")
    print(
        f"{'query':<16} {'crm search':>10} {'search()':>14} {'LIKE scan':>14} {'LIKE/search()':>13}"
    )
    for query in QUERIES:
        whole, _ = median_ms(args.runs, crm_search, path, query)
        inside, hits = median_ms(args.runs, search_in_process, path, query)
        like, like_hits = median_ms(args.runs, like_scan, path, query)
        print(
            f"{query:<16} {whole:>7.0f} ms {inside:>7.0f} ms {hits:>3} {like:>7.0f} ms "
            f"{like_hits:>3} {like / inside:>12.1f}x"
        )


if __name__ == "__main__":
    main()
