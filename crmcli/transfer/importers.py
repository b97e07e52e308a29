"""Importing customers, purchases, interactions and tasks from files, in one transaction.

Each row is validated by the very functions `crm add`/`crm edit` (customers.prepare),
`crm buy` (purchases.prepare_line), `crm log` (interactions.prepare) and `crm task add`
use, so an import accepts exactly what those commands accept. Columns are mapped to fields
by a whitelist of known headers (our own export's names, Google Contacts and Outlook CSV
headers, Chinese Outlook, 企业微信 and 钉钉 contact and customer exports, the headers of
Chinese Excel and WPS lists such as 姓名 手机 邮箱; docs/transfer.md lists them all), overridable
with `--map`. A few headers mean something else beside another (Mapper.plan): Outlook's
`Title` beside `Job Title`, 钉钉's 客户名称 beside 联系人, 企业微信's 客户名称 beside 备注名.

The caller runs the whole import inside one write transaction. A row that fails is rolled
back to its savepoint and reported to `on_reject`; the caller decides whether the rest is
committed (`--skip-invalid`) or nothing is. Purchases from CSV are checked by sets
(crmcli.transfer.purchase_sets); from other input they are validated whole and inserted in
batches with executemany, customers looked up once per distinct reference.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crmcli.core import clock, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import _, current
from crmcli.core.progress import READING, SILENT, Progress
from crmcli.core.text import JsonNumber, parse_json, plural, row_said
from crmcli.core.vocabulary import (
    PROVINCES,
    choices_glossed,
    chosen,
    column_named,
    fields_glossed,
    fields_meant,
    glossed,
    header,
    understood,
    word,
)
from crmcli.records import purchases
from crmcli.store.db import savepoint
from crmcli.transfer.sources import ERROR_KEY, Record, Rows

KINDS = ("customers", "purchases", "interactions", "tasks")
KEYS = ("id", "external_id", "email", "phone")
AUTO = "auto"  # the default --key: `id` for a row of our own export (see Importer.same_record)
CONFLICTS = ("update", "skip", "error")
BATCH = 5000
# A file of new customers read by columns (CustomerImporter._by_columns) has the indexes of
# customers set aside (crmcli.store.indexes.growing) once it has written this many rows and
# as many as the table held: they fit the page cache, yet made again by one sort they cost
# less than kept row by row from there (at 100,000 rows into none, 0.2 s of the 0.75 s of
# the insert into customers, made again in 0.1 s; past what the table held, a loss).
ASIDE = 10_000
VCARD_KEY = "\x00vcard"  # a record read from a vCard carries the card itself here
CARD = "\x00card:"  # a vCard's id (its UID) and its references to other cards start so
ALSO = "\x00customer"  # gather_first: a row's second customer column (customer_id + customer)

# Targets a customer column can feed. `field:KEY` targets a user-defined field, `-` a
# column that is known and deliberately skipped (ids, timestamps of another system).
CUSTOMER_TARGETS = (
    "name", "kind", "company", "title", "gender", "birthday", "birthday_lunar", "address",
    "city", "region",
    "country", "industry", "company_size", "source", "national_id", "notes",
    "preferred_channel", "preferred_time", "external_id", "referred_by", "cadence_days",
    "phone", "mobile", "email", "tags", "stage", "fields", "related", "first_name",
    "middle_name",
    "last_name",
    "street", "id", "created_at",
)  # fmt: skip
PURCHASE_TARGETS = (
    "customer", "item", "amount", "unit_price", "quantity", "currency", "purchased_at",
    "category", "payment", "order_ref", "note", "is_refund", "id", "created_at",
)  # fmt: skip
INTERACTION_TARGETS = (
    "customer", "kind", "occurred_at", "direction", "duration", "channel", "outcome", "text",
    "id", "created_at",
)  # fmt: skip
TASK_TARGETS = ("customer", "text", "due_on", "every", "after", "done_at", "id", "created_at")
TARGETS = {
    "customers": CUSTOMER_TARGETS,
    "purchases": PURCHASE_TARGETS,
    "interactions": INTERACTION_TARGETS,
    "tasks": TASK_TARGETS,
}


def header_key(header: str) -> str:
    """A header as matched against the alias tables: `E-mail 1 - Value` -> `e mail 1 value`."""
    text = unicodedata.normalize("NFKC", header).casefold()
    return " ".join(re.sub(r"[\s_\-./:()']+", " ", text).split())


def _aliases(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(alias): target for target, names in table.items() for alias in names}


# The target of a cell naming a place as a whole (所在地区), which customer_row() splits into
# the region, the city and the district.
PLACE = "\x00place"
CUSTOMER_ALIASES = _aliases(
    {
        "name": ("name", "full name", "display name", "contact name", "姓名", "名字", "客户名称",
                 "客户姓名", "客户", "联系人", "联系人姓名", "备注名", "名称"),
        "first_name": ("first name", "given name", "名"),
        "middle_name": ("middle name", "additional name", "中间名"),
        "last_name": ("last name", "family name", "surname", "姓", "姓氏"),
        "kind": ("kind", "type", "类型"),
        "company": ("company", "organization", "organisation", "organization name",
                    "organization 1 name", "company name", "公司", "单位", "公司名称",
                    "工作单位", "企业", "企业名称", "备注企业名称", "备注企业", "客户企业",
                    "单位名称"),
        "title": ("title", "job title", "organization title", "organization 1 title",
                  "position", "职位", "职务", "头衔", "联系人职位", "联系人职务"),
        "gender": ("gender", "sex", "性别"),
        "birthday": ("birthday", "birth date", "date of birth", "dob", "生日", "出生日期"),
        "birthday_lunar": ("birthday lunar", "lunar birthday", "农历生日", "阴历生日"),
        "address": ("address", "address 1 formatted", "postal address", "business address",
                    "home address", "地址", "联系地址", "详细地址", "客户地址",
                    "通讯地址", "住址"),
        "street": ("address 1 street", "business street", "home street", "street",
                   "商务地址 街道", "住宅地址 街道"),
        "city": ("city", "address 1 city", "business city", "home city", "城市", "市", "所在城市",
                 "商务地址 市/县", "住宅地址 市/县"),
        "region": ("region", "state", "province", "address 1 region", "business state",
                   "home state", "省份", "省", "所在省份", "商务地址 省/市/自治区",
                   "住宅地址 省/市/自治区"),
        # One cell of province, city and district (WPS's 所在地区: 浙江省杭州市, 广东 深圳).
        PLACE: ("地区", "所在地区"),
        "country": ("country", "address 1 country", "business country region",
                    "home country region", "business country", "home country", "国家",
                    "国家/地区", "商务地址 国家/地区", "住宅地址 国家/地区"),
        "industry": ("industry", "行业", "所属行业", "客户行业"),
        "company_size": ("company size", "公司规模", "规模"),
        "source": ("source", "channel source", "来源", "渠道", "客户来源", "添加渠道"),
        "national_id": ("national id", "national id number", "national id no", "id number",
                        "id no", "idno", "id num", "id card", "idcard", "id card number",
                        "id card no", "identity card", "identity card number",
                        "identity number", "citizen id", "citizen id number", "resident id",
                        "resident id number", "身份证", "身份证号", "身份证号码", "居民身份证",
                        "居民身份证号码", "公民身份号码", "证件号", "证件号码", "身份证件号",
                        "身份证件号码", "身份证编号"),
        "notes": ("notes", "note", "备注", "说明", "附注", "描述"),
        "preferred_channel": ("preferred channel", "偏好渠道"),
        "preferred_time": ("preferred time", "偏好时间"),
        "external_id": ("external id", "customer number", "客户编号", "编号"),
        "referred_by": ("referred by", "推荐人"),
        "cadence_days": ("cadence days", "cadence"),
        # A mobile number comes before the other phones (it is the primary one), whatever
        # the order of the columns: Chinese Outlook puts 商务电话 before 移动电话.
        "mobile": ("mobile", "mobile phone", "cell", "手机", "手机号", "手机号码", "移动电话",
                   "备注手机号", "联系人手机", "联系人手机号"),
        "phone": ("phone", "phones", "telephone", "tel", "business phone", "business phone 2",
                  "home phone", "home phone 2", "primary phone", "other phone", "car phone",
                  "company main phone", "电话", "电话号码", "联系电话", "座机", "固定电话",
                  "办公电话", "商务电话", "商务电话 2", "住宅电话", "住宅电话 2", "主要电话",
                  "其他电话", "车载电话", "单位主要电话", "联系人电话"),
        "email": ("email", "emails", "e mail", "email address", "e mail address",
                  "e mail 2 address", "e mail 3 address", "邮箱", "电子邮件", "电子邮箱",
                  "邮件", "邮箱地址", "个人邮箱", "企业邮箱", "电子邮件地址", "电子邮件 2 地址",
                  "电子邮件 3 地址", "联系人邮箱"),
        "tags": ("tags", "tag", "labels", "group membership", "categories", "标签", "分组",
                 "类别", "企业标签", "个人标签", "客户标签"),
        "stage": ("stage", "阶段"),
        "fields": ("fields",),
        "related": ("related", "related people"),
        "field:wechat": ("wechat", "微信", "微信号"),
        # The name a person gave themselves on WeChat; their name when no other is given.
        "field:wechat_nickname": ("wechat nickname", "微信昵称", "昵称", "客户昵称"),
        "field:district": ("district", "区县", "区", "县区", "区/县"),
        "field:qq": ("qq", "qq号"),
        "field:department": ("department", "organization department",
                             "organization 1 department", "部门", "所在部门"),
        "field:postal_code": ("postal code", "zip", "address 1 postal code",
                              "business postal code", "home postal code", "邮编", "邮政编码",
                              "商务地址 邮政编码", "住宅地址 邮政编码"),
        "field:website": ("website", "web page", "website 1 value", "网址", "网页"),
        "field:fax": ("business fax", "home fax", "other fax", "fax", "传真", "商务传真",
                      "住宅传真", "其他传真"),
        "id": ("id",),
        "created_at": ("created at",),
        # Derived columns (`crm list --classes`, `crm export customers`): computed, not data.
        "-": ("updated at", "archived at", "version", "referred by name", "lifecycle", "abc",
              "abc class", "frequency tier", "value tier",
              "referrals", "e mail 1 type", "e mail 2 type", "e mail 1 label",
              "e mail 2 label", "phone 1 type", "phone 2 type", "phone 3 type", "phone 1 label",
              "phone 2 label", "phone 3 label", "address 1 type", "address 1 label",
              "website 1 type", "website 1 label", "e mail display name",
              "e mail 2 display name", "e mail type", "e mail 3 type", "e mail 3 display name",
              "电子邮件类型", "电子邮件显示名称", "电子邮件 2 类型", "电子邮件 2 显示名",
              "电子邮件 3 类型", "电子邮件 3 显示名",
              # derived classes of `crm export customers --classes`: computed, not imported
              "lifecycle", "abc", "frequency tier", "value tier"),
    }
)  # fmt: skip
# The same headers in Traditional Chinese, as a sheet of Hong Kong, Macau or Taiwan heads them
# (手機, 電郵, 備註; 行動電話 and 流動電話 are Taiwan's and Hong Kong's mobile phone, 職稱
# Taiwan's title, 郵遞區號 its postal code); a header written alike in both (城市, 生日, 地址)
# is in the table above.
CUSTOMER_ALIASES |= _aliases(
    {
        "name": ("客戶名稱", "客戶姓名", "客戶", "聯絡人", "聯繫人", "聯絡人姓名", "聯繫人姓名",
                 "備註名"),
        "company": ("公司名稱", "單位", "單位名稱", "工作單位", "企業", "企業名稱", "客戶企業"),
        "title": ("職位", "職務", "職稱", "頭銜"),
        "gender": ("性別",),
        "birthday_lunar": ("農曆生日", "陰曆生日"),
        "address": ("聯絡地址", "聯繫地址", "詳細地址", "客戶地址", "通訊地址"),
        "country": ("國家", "國家/地區"),
        "industry": ("行業", "所屬行業", "客戶行業"),
        "company_size": ("公司規模", "規模"),
        "source": ("來源", "客戶來源"),
        "notes": ("備註", "說明", "附註"),
        "external_id": ("客戶編號", "編號"),
        "referred_by": ("推薦人",),
        "mobile": ("手機", "手機號", "手機號碼", "行動電話", "流動電話", "聯絡人手機"),
        "phone": ("電話", "電話號碼", "聯絡電話", "聯繫電話", "固定電話", "辦公電話",
                  "公司電話", "住宅電話", "聯絡人電話"),
        "email": ("電郵", "電子郵件", "電子郵箱", "電郵地址", "電子郵件地址", "郵箱", "郵件",
                  "聯絡人郵箱"),
        "tags": ("標籤", "分組", "類別", "客戶標籤"),
        "stage": ("階段",),
        "field:wechat": ("微信號",),
        "field:wechat_nickname": ("暱稱", "微信暱稱"),
        "field:district": ("區縣", "區"),
        "field:department": ("部門", "所在部門"),
        "field:postal_code": ("郵編", "郵政編碼", "郵遞區號"),
    }
)  # fmt: skip
# Numbered Google Contacts columns beyond the ones listed: `Phone 4 - Value`...
CUSTOMER_PATTERNS = (
    (re.compile(r"e ?mail \d+ value"), "email"),
    (re.compile(r"phone \d+ value"), "phone"),
    (re.compile(r"(e ?mail|phone|address|website|relation|event) \d+ (type|label)"), "-"),
)
# Other identity documents' numbers: never kept as a user-defined field by --keep-unknown,
# where nothing would mask them (listed as ignored; --map COLUMN=field:NAME keeps one).
IDENTITY_DOCUMENT = re.compile(
    r".*(passport|护照|social security|\bssn\b|社会保障|社保|驾驶证|驾照|driv(er|ing) licen[cs]e"
    r"|证件|身份|證件|身分).*"  # 身分證: Taiwan's ID card
)
# Targets that keep the values of every column that gives them (a customer's phones, tags,
# notes beside 描述, a user-defined field's values joined), or none.
_MANY = frozenset({"-", "mobile", "phone", "email", "tags", "notes", "fields", "related"})
# Targets one column alone may fill: of two ID columns (身份证号码 beside 证件号码) the second
# may hold another document's number, so the file is refused rather than one of the two
# silently kept. (Other fields take the first non-empty column: Outlook's Home City, then
# Business City.)
ONE_COLUMN = ("national_id",)
PURCHASE_ALIASES = _aliases(
    {
        "customer": ("customer", "customer id", "customer name", "client", "客户", "客户编号",
                     "客户id", "客户姓名", "客户名称", "客户手机", "客户手机号"),
        "item": ("item", "product", "product name", "商品", "产品", "品名", "商品名称",
                 "产品名称"),
        "amount": ("amount", "total", "line total", "金额", "总价", "总金额", "小计", "实付金额",
                   "实收金额", "实付"),
        "unit_price": ("unit price", "price", "单价", "售价"),
        "quantity": ("quantity", "qty", "数量"),
        "currency": ("currency", "币种", "货币"),
        "purchased_at": ("purchased at", "date", "time", "at", "order date", "paid at", "日期",
                         "购买日期", "下单时间", "时间"),
        "category": ("category", "类别", "品类", "分类"),
        "payment": ("payment", "payment method", "支付方式", "付款方式"),
        "order_ref": ("order ref", "order", "order id", "order number", "订单号", "订单",
                      "订单编号"),
        "note": ("note", "notes", "备注"),
        "is_refund": ("is refund", "refund", "退款"),
        "id": ("id",),
        "created_at": ("created at",),
        "-": ("product id", "updated at"),
    }
)  # fmt: skip
INTERACTION_ALIASES = _aliases(
    {
        "customer": ("customer", "customer id", "customer name", "客户", "客户编号", "客户姓名",
                     "客户名称", "客户手机", "客户手机号"),
        "kind": ("kind", "type", "类型", "方式"),
        "occurred_at": ("occurred at", "at", "date", "time", "when", "日期", "时间"),
        "direction": ("direction", "方向"),
        "duration": ("duration", "duration minutes", "时长"),
        "channel": ("channel", "渠道"),
        "outcome": ("outcome", "result", "结果"),
        "text": ("text", "summary", "content", "note", "notes", "内容", "摘要", "备注"),
        "id": ("id",),
        "created_at": ("created at",),
        "-": ("updated at",),
    }
)  # fmt: skip
TASK_ALIASES = _aliases(
    {
        "customer": ("customer", "customer id", "customer name", "客户", "客户编号", "客户姓名",
                     "客户名称", "客户手机", "客户手机号"),
        "text": ("text", "task", "todo", "任务", "内容"),
        "due_on": ("due on", "due", "due date", "截止日期", "日期"),
        "every": ("every", "repeat", "重复"),
        "after": ("repeat after", "after"),
        "done_at": ("done at", "completed at", "完成时间"),
        "id": ("id",),
        "created_at": ("created at",),
        "-": ("status", "interaction id", "previous id", "updated at"),
    }
)  # fmt: skip
ALIASES = {
    "customers": CUSTOMER_ALIASES,
    "purchases": PURCHASE_ALIASES,
    "interactions": INTERACTION_ALIASES,
    "tasks": TASK_ALIASES,
}


# The headers of a column that numbers a sheet's rows (WPS and Excel sheets often begin with
# 序号, 1 to n): in every kind of import it is left out, never read as an id or a field, and
# the summary names it.
ROW_NUMBERS = frozenset(header_key(h) for h in ("序号", "行号", "No.", "#", "S/N"))

# The targets a header crm shows names (`外部编号`): not an id or a time of creation, which
# another tool's sheet heads the same (钉钉's 创建时间) for its own records.
_HEADED = {
    kind: tuple(t for t in targets if t not in ("id", "created_at"))
    for kind, targets in TARGETS.items()
}


# A header cell left empty, as a CSV source names it: `` (the first), ` (2)`... (sources
# strips every header, so no header typed in begins with a space).
_UNNAMED = re.compile(r"(?: \(\d+\))?")


_REPEAT = re.compile(r"(.+) \((\d+)\)")  # a repeated header's later column: `电话 (2)`


# The most columns a message lists by name (an Outlook export ignores about 60).
LISTED = 100


def columns_said(names: Iterable[str], header: Iterable[str]) -> str:
    """Columns of a file listed for people: a repeated header's later column in the run's
    words (`电话（第2个）`: the second column headed 电话; English keeps `电话 (2)`)."""
    heads = set(header)
    said = []
    for name in names:
        found = _REPEAT.fullmatch(name)
        if found and found.group(1) in heads:
            name = _("{column} ({n})").format(column=found.group(1), n=found.group(2))
        said.append(name)
    if len(said) > LISTED:  # a header of thousands of cells (a file of one line)
        shown = _(", ").join(said[:LISTED])
        return _("{columns} and {count} more").format(columns=shown, count=len(said) - LISTED)
    return _(", ").join(said)


def _amounts(column: str) -> bool:
    """Whether a header names a purchase's amount or unit price, with a unit written after
    it or not (`金额(元)`, `总价（元）`, `amount (CNY)`, `金额元`, `单价/元`)."""
    bare = re.sub(r"\s*(?:[(（\[【][^)）\]】]*[)）\]】]|/\s*\S+|元)\s*\Z", "", column.strip())
    return PURCHASE_ALIASES.get(header_key(bare)) in ("amount", "unit_price")


class Mapper:
    """Column -> target for one import: `--map` first, then the alias tables.

    A column that maps to nothing is kept as a user-defined field with `keep_unknown`
    (customers only), else listed in `ignored`.
    """

    def __init__(self, kind: str, overrides: list[str], *, keep_unknown: bool) -> None:
        self.kind = kind
        self.keep_unknown = keep_unknown
        self.overrides: dict[str, str] = {}
        self.ignored: dict[str, None] = {}  # in the file's order
        self.numbering: list[str] = []  # the columns of row numbers (ROW_NUMBERS)
        self.positions: dict[str, int] = {}  # a column without a header -> its place (1...)
        self._cache: dict[str, str | None] = {}
        # the fields two keys of one record gave values (JSON, which has no header: its
        # keys are of every record, and `read_first` names only what one record met)
        self.together: set[str] = set()  # (a day and its time, joined, are not)
        self.clocked: set[str] = set()  # moment fields a day and its time were joined for
        self.named: dict[str, str] = {}  # header key -> the column as --map names it
        allowed = TARGETS[kind]
        for item in overrides:
            header, target = validate.key_value("--map", item)
            target = target.strip()
            if not header:
                raise InvalidInput(
                    _("--map {item!r} needs a column name before =").format(item=item)
                )
            if target in ("-", "ignore"):
                target = "-"
            elif kind == "customers" and target.startswith(("field:", "field.")):
                from crmcli.records.customers import new_field_key

                key = new_field_key(None, validate.field_key(target[6:], set(CUSTOMER_TARGETS)))
                target = f"field:{key}"
            elif target not in allowed:  # a field by its header, as --where takes it: 公司,
                # or as a file heads it (`date`, `order`, 日期: docs/transfer.md's columns)
                named = column_named(target, tuple(allowed)) or (
                    alias if (alias := ALIASES[kind].get(header_key(target))) in _HEADED[kind]
                    else None
                )  # fmt: skip
                meant = fields_meant(target, list(allowed)) if named is None else []
                if meant:  # a typo: `--map 姓名=nmae`
                    raise InvalidInput(
                        _(
                            "--map {item!r}: unknown field {target!r}; did you mean {fields}?"
                        ).format(item=item, target=target, fields=_(" or ").join(meant))
                    )
                if named is None:
                    fields = fields_glossed(
                        [*allowed, *(["field:NAME"] if kind == "customers" else []), "-"]
                    )
                    raise InvalidInput(
                        _("--map {item!r}: unknown field {target!r}; fields: {fields}").format(
                            item=item, target=target, fields=fields
                        )
                    )
                target = named
            if self.overrides.get(header_key(header), target) != target:  # the last won
                raise InvalidInput(
                    _("--map names the column {column!r} twice, as {first} and as {second}").format(
                        column=header.strip(),
                        first=self.overrides[header_key(header)],
                        second=target,
                    )
                )
            key = header_key(header)
            other = next(
                (self.named[k] for k, t in self.overrides.items() if t == target and k != key),
                None,
            )
            if other is not None and kind != "customers" and target not in ("-", "customer"):
                raise InvalidInput(  # the first cell with a value would win, row by row
                    _("--map gives {field} two columns, {first} and {second}; give it one").format(
                        field=target, first=other, second=header.strip()
                    )
                )
            self.overrides[header_key(header)] = target
            self.named[header_key(header)] = header.strip()

    def check(self, columns: list[str]) -> None:
        """Refuse a --map naming a column the file does not have (a typo maps nothing)."""
        have = {header_key(c) for c in columns}
        missing = [name for key, name in self.named.items() if key not in have]
        if missing:
            shown = [c for c in columns if c not in (ERROR_KEY, VCARD_KEY)]
            listing = _(", ").join(shown[:40] + (["..."] if len(shown) > 40 else []))
            raise InvalidInput(
                _(
                    "--map names a column the file does not have: {missing}; its columns: {listing}"
                ).format(missing=_(", ").join(missing), listing=listing or _("(none)"))
            )

    def column_of(self, target: str) -> str | None:
        """The first column met that maps to `target`, as the file names it."""
        return next(iter(self.columns_of(target)), None)

    def columns_of(self, target: str) -> list[str]:
        """The columns met that map to `target`, in the order met, as the file names them."""
        return [c for c, t in self._cache.items() if t == target]

    def seen(self) -> list[str]:
        """The columns met so far (of every record, for JSON input without a header)."""
        return list(self._cache)

    def plan(self, columns: list[str]) -> None:
        """Resolve a header row now, so ignored columns are known before any row."""
        self.check(columns)
        self.positions = {c: n for n, c in enumerate(columns, 1) if _UNNAMED.fullmatch(c)}
        keys = {header_key(c) for c in columns}
        for column in columns:
            key = header_key(column)
            if self.kind != "customers" or key in self.overrides:
                self.target(column)
            elif key == "title" and "job title" in keys:
                # Outlook: `Title` is the salutation (Mr., Dr.) beside `Job Title`.
                self._cache[column] = self._unknown(column, "salutation")
            elif key == "客户名称" and keys & {"联系人", "联系人姓名"}:
                # 钉钉's customers are companies: 客户名称 names the company, 联系人 the person.
                self._cache[column] = "company"
            elif key == "客户类型" and keys & {"联系人", "联系人姓名"} and "客户名称" in keys:
                # ...unless 客户类型 says 个人客户: then 客户名称 is the person (customer_row).
                self._cache[column] = DINGTALK_TYPE
            elif key == "类型" and "备注名" in keys:
                # 企业微信's 类型 is the kind of WeChat account (微信, 企业微信), not whether
                # the customer is a person or a company: crm keeps none, as of 客户类型.
                self._cache[column] = self._unknown(column, column)
            elif key == "客户名称" and keys & _NICKNAME_KEYS and self.target(column) == "name":
                # 企业微信 (and the tools that export its customers) with a nickname column
                # of its own (昵称, 客户昵称): that is the nickname, and 客户名称 the name the
                # customer shows, the name unless 备注名 gives one (customer_row).
                self._cache[column] = WECOM_NAME
            elif "备注名" in keys and key != "备注名" and self.target(column) == "name":
                # 企业微信: 备注名 is the name the user gave the customer; 客户名称 their
                # WeChat nickname, the name only when 备注名 is empty (customer_row).
                self._cache[column] = "field:wechat_nickname"
            else:
                self.target(column)
        self.check_one_column(columns)

    def check_one_column(self, columns: list[str]) -> None:
        """Refuse two columns that map to a field of ONE_COLUMN (they would not both fit)."""
        for target in ONE_COLUMN:
            both = [c for c in columns if self._cache.get(c) == target]
            if len(both) > 1:
                said = (
                    _(
                        "columns {listing} and {last} both map to {target}, which takes one: "
                        'keep one, e.g. --map "{last}=-" (or --map "{last}=field:NAME" if it '
                        "holds another document's number)"
                    )
                    if len(both) == 2
                    else _(
                        "columns {listing} and {last} all map to {target}, which takes one: "
                        'keep one, e.g. --map "{last}=-" (or --map "{last}=field:NAME" if it '
                        "holds another document's number)"
                    )
                )
                raise InvalidInput(
                    said.format(listing=_(", ").join(both[:-1]), last=both[-1], target=target)
                )

    def read_first(
        self, columns: list[str], *, header: bool = True
    ) -> list[tuple[str, list[str], str]]:
        """The fields that two or more of `columns` give (a customer's 城市 beside 市, 省份
        beside 所在地区's province; a purchase's Date beside Paid at): (field, its columns in
        the order a row reads them, the first not empty kept, and the column whose value a
        row loses first: the last of its own columns, or the place cell when only one column
        of its own is there), for the summary to name, as it names ignored columns. A field
        that keeps every column (phones, tags, notes), refuses two (ONE_COLUMN) or checks
        that they agree (a line's customer) is none of them. Where `columns` are not a
        header, of every row (JSON's keys met in any record), and of a moment whose day and
        time were joined (`_with_clock`), only a field of which a record had two values
        (`together`) is one."""
        by_field: dict[str, list[str]] = {}
        places = []  # 所在地区 gives a part only where no column of its own did: read last
        for column in columns:
            target = self._cache.get(column)
            if target == PLACE:
                places.append(column)
            elif target not in (None, "customer", *_MANY, *ONE_COLUMN):  # two customer
                by_field.setdefault(target, []).append(column)  # columns must agree (ALSO)
        found = []
        for target, own in by_field.items():
            # of JSON, or of a day and its time joined: only what one record's values lost
            if (not header or target in self.clocked) and target not in self.together:
                continue
            read = own + places if target in ("region", "city", "field:district") else own
            if len(read) > 1:  # 城市, 市, 所在地区: 市 loses to 城市; 所在地区 fills only gaps
                found.append(
                    (target.removeprefix("field:"), read, own[-1] if own[1:] else read[-1])
                )
        return found

    def target(self, column: str) -> str | None:
        if column in self._cache:
            return self._cache[column]
        key = header_key(column)
        if key in ROW_NUMBERS and key not in self.overrides:
            self.numbering.append(column)
            self._cache[column] = "-"
            return "-"
        found: str | None = self.overrides.get(key) or ALIASES[self.kind].get(key)
        if found is None and key in TARGETS[self.kind]:
            found = key
        if found is None and column in TARGETS[self.kind]:
            found = column
        if found is None and self.kind == "customers" and column.startswith("field:"):
            found = f"field:{validate.field_key(column[6:], set(CUSTOMER_TARGETS))}"
        if found is None and self.kind == "customers":
            for pattern, target in CUSTOMER_PATTERNS:
                if pattern.fullmatch(key):
                    found = target
                    break
            if found is None and key.startswith("field "):
                found = self._unknown(column, column.strip()[6:])
        if found is None:  # a header crm shows for a field (`外部编号`), as --where reads it
            from crmcli.core.vocabulary import column_named

            found = column_named(column, _HEADED[self.kind])
        if found is None and self.kind == "customers" and _amounts(column):
            raise InvalidInput(  # `客户,产品名称,金额`: each line would add a customer
                _(
                    "column {column} holds amounts: the file looks like purchase lines; import "
                    "it with 'crm import purchases', or, as customers, say what the column is "
                    'with --map "{column}=-" (leave it out) or --map "{column}=field:NAME"'
                ).format(column=column)
            )
        if (
            self.kind != "customers"
            and found not in (None, "-", "customer")
            and key not in self.overrides
            and found in self.overrides.values()
        ):  # `--map "Created at=date"` beats a Paid at read as the date by its header
            found = None
        if found is None:
            found = self._unknown(column, column)
        self._cache[column] = found
        return found

    def unread(self, columns: list[str]) -> list[str | None]:
        """The targets of `columns` with crm's own `created_at` left out (listed among the
        ignored columns) when no column is an `id`: a record's time of creation is read
        only to tell a row of crm's own export from another record of the same id, so a
        shop's `Created at` without one was taken in and dropped unsaid."""
        targets = [self.target(c) for c in columns]
        if "created_at" in targets and "id" not in targets:
            for column, target in zip(columns, targets, strict=True):
                if target == "created_at":
                    self._cache[column] = None
                    self.ignored.setdefault(column)
            targets = [None if t == "created_at" else t for t in targets]
        return targets

    def _unknown(self, column: str, name: str) -> str | None:
        if _UNNAMED.fullmatch(column):  # a header cell left empty (a sheet's trailing ,,)
            if column in self.positions:  # named by its place, as a person counts columns
                said = _("column {number}").format(number=self.positions[column])
                self.ignored[said] = None
            return None
        keep = not IDENTITY_DOCUMENT.fullmatch(header_key(column))
        if self.kind == "customers" and self.keep_unknown and keep:
            return f"field:{field_name(name)}"
        if column != ERROR_KEY and column != VCARD_KEY:
            self.ignored.setdefault(column)
        return None


def field_name(header: str) -> str:
    """A user-defined field name made from a header: `Manager's Name` -> `Manager_s_Name`."""
    from crmcli.records.customers import RESERVED, builtin_field

    name = re.sub(r"[^\w.\-]+", "_", header.strip()).strip("_")[:64] or "field"
    if not re.match(r"[^\W\d]", name):
        name = f"f_{name}"[:64]
    if name in RESERVED or builtin_field(name) is not None:  # `x_地区`: never a built-in's name
        name = f"x_{name}"[:64]
    return name


def _strings(value: Any, column: str = "", target: str = "") -> list[str]:
    """A record's value (`column`'s, read as `target`) as a list of strings: a JSON list
    gives one per item where `target` takes several (LISTS); null and '' are nothing; a
    JSON number is the text the file wrote (`json_text`). Raises InvalidInput, naming
    `column`, for JSON no text holds as it is: true or false where no yes-or-no is read, an
    object, a list inside a list, a list of several values where one is read."""
    if isinstance(value, list):
        if any(isinstance(v, (list, dict)) for v in value):
            raise InvalidInput(
                _("{column} holds a JSON list or object inside a list, not text").format(
                    column=column
                )
            )
        out = [s for v in value for s in _strings(v, column, target)]
        if len(out) > 1 and target not in LISTS:
            raise InvalidInput(
                _("{column} is a JSON list of {count} values, where one is read").format(
                    column=column, count=len(out)
                )
            )
        return out
    if value is None:
        return []
    if isinstance(value, bool):
        if target not in BOOLEANS and not target.startswith("field:"):
            raise InvalidInput(
                _(
                    "{column} is JSON {value}, not text; write it in the file as a string "
                    'if "{value}" is meant'
                ).format(column=column, value="true" if value else "false")
            )
        return ["true" if value else "false"]
    if isinstance(value, dict):
        raise InvalidInput(_("{column} is a JSON object, not text").format(column=column))
    if isinstance(value, JsonNumber):
        return [json_text(column, target, value.text)]
    text = str(value)
    return [text] if text.strip() else []


# The targets of which a JSON list gives several values (a customer's phones, notes joined);
# of any other, it is refused (`_strings`) rather than read as its first value alone.
LISTS = frozenset({"phone", "mobile", "email", "tags", "notes", "fields", "related"})
# A JSON true or false is read as yes or no, and kept as `true` or `false` in a field of
# the user's own (--keep-unknown: `"vip": true`); elsewhere, where text is read, refused.
BOOLEANS = frozenset({"is_refund"})
# Numbers (crmcli.core.money, quantities, days): a JSON number is read as the decimal the
# file wrote, never through a float (0.1 stays 0.1; 0.30000000000000004, the sum of 0.1 and
# 0.2 as a float, is what it says, and refused as an amount of too many decimals).
NUMBERS = frozenset({"amount", "unit_price", "quantity", "duration", "cadence_days"})
# Codes of digits: a JSON number with a decimal point or an exponent in one is refused, the
# float a program held it as may have lost its last digits (validate.json_number).
CODES = frozenset({
    "id", "external_id", "phone", "mobile", "national_id", "customer", ALSO, "referred_by",
    "order_ref", "field:postal_code",
})  # fmt: skip


def json_text(column: str, target: str, number: str) -> str:
    """A JSON number written `number` with a fraction or an exponent, as `target` reads it:
    the exact decimal for a number (`1e3`: `1000`, `2.0`: `2`, `19.90` as it is), else
    validate.json_number's text."""
    if target in NUMBERS:
        from decimal import Decimal

        exact = Decimal(number)  # the digits as written, the exponent placing them
        return str(int(exact)) if exact == exact.to_integral_value() else format(exact, "f")
    return validate.json_number(column, number, key=target in CODES)


# The fields whose values are numbers, codes and dates, never text: there a cell's leading
# apostrophe is the guard a spreadsheet user types, or a system's export writes, to keep a
# number as text with all its digits and leading zeros (`'13800138000`,
# `'11010519491231002X`, `'00123`), and is dropped, in a file of any format. Free text (a
# name, notes, a user-defined field) keeps it, where it may be meant; so do the keys that
# are matched as typed (an external id, an order reference: one stored with its apostrophe
# by an older import must still match), and a customer reference, which is tried as typed
# first (refs.resolve_cell).
NUMBER_LIKE = frozenset({
    "phone", "mobile", "national_id", "id", "created_at", "cadence_days", "birthday",
    "field:postal_code", "amount", "unit_price", "quantity", "purchased_at", "occurred_at",
    "duration", "due_on", "done_at",
})  # fmt: skip


def unquoted(target: str, value: str) -> str:
    """`value` of a cell of `target` without the spreadsheet's text guard (NUMBER_LIKE)."""
    if value[:1] != "'" or not value[1:].strip():  # a lone `'` is refused as it is
        return value
    return value[1:] if target in NUMBER_LIKE else value


# The fields that take a moment: a day in one column and its time of day in another
# (`日期` and `时间`, `Date` and `Time`) are one moment (`_with_clock`), not the day alone.
MOMENTS = frozenset({"purchased_at", "occurred_at", "done_at"})


def _with_clock(mapper: Mapper, target: str, first: str, second: str) -> str | None:
    """`first` and `second`, two values of a moment field (MOMENTS), as one moment when
    together they read as one (a day and its time of day, in either order: `2026-11-01`
    and `10:30`, `noon` or `下午3点`; `10:30` and `2026-11-01`), else None: the first is
    kept, and a second that is a moment of its own, or beside a day with its own time, is
    named as any second value is (`together`). A second that is no moment of its own (a
    time of day, or nothing a date reads) beside a day without a time refuses the row with
    what the two together lack (InvalidInput: `10:70`, `0.4375`, a time the clocks skip
    that day); beside a day's own midnight (`2026-11-01 00:00:00`) it is that day's time.
    A first value that reads as nothing is left to its own refusal."""
    from crmcli.core import dates

    joined, now = f"{first.strip()} {second.strip()}", clock.now()
    try:
        dates.parse_datetime(joined, now, direction="past")
    except InvalidInput as together:
        try:
            day = dates.parse_datetime(first, now, direction="past")
        except InvalidInput:
            return None  # the row is refused for its first value, which says why
        try:  # a moment of its own (a second date), or no more than a time of day?
            dates.parse_datetime(dates.with_day(second), now, direction="past")
            own = True
        except InvalidInput:
            own = False
        if not own and not dates.names_time(first):
            raise together from None  # `10:70`, 0.4375, a time the clocks skip that day
        if not own and (day.hour, day.minute, day.second) == (0, 0, 0):
            # a day written with its midnight (`2026-11-01 00:00:00`, as pandas and SQL
            # write a date): the time beside it is its time
            return _with_clock(mapper, target, day.date().isoformat(), second)
        mapper.together.add(target)  # a moment of its own, or a day with its own time
        return None
    mapper.clocked.add(target)
    return joined


def _with_day(text: str, stored: str, now: Any) -> None:
    """Refuse `text`, a moment read as `stored`, when it is a time of day alone (dates.with_day),
    which reads as today: read again only when `stored` is today's, so an import of dates
    pays nothing."""
    if stored[:10] == now.astimezone().date().isoformat():
        from crmcli.core import dates

        dates.with_day(text)


def gather(mapper: Mapper, record: Record) -> dict[str, list[str]]:
    """The record's values by target, in column order (a number's guard dropped, unquoted).
    Raises InvalidInput naming every value of JSON no text holds (`_strings`), at once."""
    out: dict[str, list[str]] = {}
    bad: list[str] = []
    for column, value in record.items():
        if column in (ERROR_KEY, VCARD_KEY):
            continue
        target = mapper.target(column)
        if target is None or target == "-":
            continue
        if target == "related" and isinstance(value, list):  # JSON input: a real list
            out.setdefault(target, []).append(json.dumps(value, ensure_ascii=False))
            continue
        pairs = [(column, target, value)]
        if target == "fields" and isinstance(value, dict):
            pairs = [(f"{column}.{k}", f"field:{k}", v) for k, v in value.items()]
        for said, name, item in pairs:
            try:
                values = _strings(item, said, name)
            except InvalidInput as exc:
                bad.append(exc.message)
                continue
            if values:
                values = [unquoted(name, v) for v in values]
                if name in out and name in MOMENTS:  # a day, then its time?
                    if len(out[name]) == 1 and len(values) == 1:
                        moment = _with_clock(mapper, name, out[name][0], values[0])
                        if moment is not None:
                            out[name] = [moment]
                    continue
                if name in out:
                    mapper.together.add(name)
                out.setdefault(name, []).extend(values)
    if bad:
        raise InvalidInput(_("; ").join(bad))
    return out


def gather_first(mapper: Mapper, record: Record) -> dict[str, str]:
    """The first value of each target: the fast path of purchases, a million rows a file."""
    out: dict[str, str] = {}
    bad: list[str] = []
    cache = mapper._cache
    for column, value in record.items():
        target = cache[column] if column in cache else mapper.target(column)
        if target is None or target == "-":
            continue
        if target in out:  # a second column of the same target: only a customer's counts
            if target != "customer" or ALSO in out:
                if value is None or value == "":
                    continue
                if target not in MOMENTS:
                    mapper.together.add(target)
                    continue
                try:  # a day, then its time? (JSON's number, true or list refused as text)
                    second = _strings(value, column, target) if type(value) is not str else [value]
                except InvalidInput as exc:
                    bad.append(exc.message)
                    continue
                if second and second[0].strip():
                    moment = _with_clock(mapper, target, out[target], unquoted(target, second[0]))
                    if moment is not None:
                        out[target] = moment
                continue
            target = ALSO
        if type(value) is str:
            if value and not value.isspace():  # "" in JSON is no value, as in a CSV
                out[target] = unquoted(target, value) if value[0] == "'" else value
        else:
            try:
                values = _strings(value, column, target)
            except InvalidInput as exc:
                bad.append(exc.message)
                continue
            if values:
                out[target] = unquoted(target, values[0])
    if bad:  # every value of JSON no text holds, at once, as gather says them
        raise InvalidInput(_("; ").join(bad))
    return out


@dataclass
class Summary:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
    unit: str = "row"  # what `rows` counts: "card" for a vCard file
    ignored: list[str] = field(default_factory=list)
    numbering: list[str] = field(default_factory=list)  # columns of row numbers, left out
    # fields two or more columns give (Mapper.read_first), a row keeping the first not empty
    read_first: list[tuple[str, list[str], str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the first few rejections, for errors
    warnings: list[str] = field(default_factory=list)  # imported, but not all of it


Reject = Callable[[int, Record, str], None]


@dataclass
class Options:
    """How to import, from the command line."""

    key: str = AUTO
    on_conflict: str = "update"
    skip_invalid: bool = False
    allow_duplicate: bool = False  # a new customer may share an email or phone
    region: str | None = None
    on_reject: Reject | None = None
    progress: Progress = SILENT  # hears READING (rows counted), then the later phases


# The customer references an import keeps resolved, at most: they start afresh past it, so
# memory stays flat (about 120 bytes a reference: 111 MiB for the 950,000 customers of 3M
# interactions at a million customers) while a file of a few customers' rows, or of a
# hundred thousand customers, resolves each once (a resolution is about 10 µs).
CUSTOMER_REFS = 100_000


class Importer:
    """Runs one import over records; subclasses know one kind of record."""

    kind = ""

    def __init__(self, conn: sqlite3.Connection, mapper: Mapper, options: Options) -> None:
        self.conn = conn
        self.mapper = mapper
        self.options = options
        self.summary = Summary(kind=self.kind)
        self.now = clock.now()
        self._customers: dict[str, int] = {}
        self._agreed: dict[tuple[int, str], str | None] = {}  # see `agree`
        self._last_id = 0  # the highest id before this import wrote any (set by run)
        self.header: tuple[str, ...] = ()  # a CSV file's columns (a row's Record has its cells)

    def run(self, records: Iterable[tuple[int, Record]]) -> Summary:
        summary, progress, row = self.summary, self.options.progress, self.row
        self._last_id = self.last_id()
        self.header = tuple(getattr(records, "columns", ()))
        count = 0
        progress.phase(READING)
        for count, (number, record) in enumerate(records, 1):
            if count % 1000 == 0:
                progress.advance(count)
            if count == 1 and getattr(number, "card", None) is not None:
                summary.unit = "card"
            if ERROR_KEY in record:
                self.reject(number, record, record[ERROR_KEY])
                continue
            row(number, record)
        summary.rows = count
        progress.phase(_("linking rows"))
        self.finish()
        if count:  # JSON and vCard input: the columns are known only now
            self.mapper.check(self.mapper.seen())
            self.mapper.check_one_column(self.mapper.seen())
        self.summary.ignored = list(self.mapper.ignored)
        self.summary.numbering = list(self.mapper.numbering)
        return self.summary

    def undated(self, record: Record, values: dict[str, Any], target: str) -> str | None:
        """The message refusing a row whose date (`target`) has a column in the file (or a
        key in the JSON record) but no value in the row, else None. An empty date cell is no
        "now": a shop's export leaves the date of an order's later lines empty, and a line
        or a call dated the day of the import moves sales and last contacts (a file without
        the column is dated now, as `crm buy` is)."""
        if target in values:
            return None
        target_of = self.mapper.target
        column = next((c for c in (*record, *self.header) if target_of(c) == target), None)
        if column is None:
            return None
        return _(
            "no date: its {column!r} cell is empty (give each row its day, or --map "
            "'{column}=-' to date them all now)"
        ).format(column=column)

    def last_id(self) -> int:
        """The highest id of this kind's table (0 when empty)."""
        sql = f"SELECT coalesce(max(id), 0) FROM {self.kind}"  # noqa: S608 - a fixed name
        return int(self.conn.execute(sql).fetchone()[0])

    def row(self, number: int, record: Record) -> None:
        """Import one record in a savepoint: all of it, or nothing and a rejection."""
        try:
            with savepoint(self.conn, "import_row"):
                outcome = self.one(record)
        except (InvalidInput, NotFound) as exc:
            self.reject(number, record, self.said(exc, record))
            return
        setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)

    def said(self, exc: InvalidInput | NotFound, record: Record) -> str:
        """Why `record` is refused, as `exc` says it; a kind's importer may name the column."""
        return exc.message

    def one(self, record: Record) -> str:
        """Import one record; returns its outcome. Every kind's subclass says how."""
        raise TypeError(f"{type(self).__name__} imports no records")

    def finish(self) -> None:
        """Write what is still batched."""

    def reject(self, number: int, record: Record, reason: str) -> None:
        if ERROR_KEY not in record:  # a row read whole: every bad value in it, on one line
            try:
                more = self.problems(record)
            except InvalidInput:  # JSON no field reads (gather): `reason` says it
                more = []
            reason = _("; ").join(dict.fromkeys([reason, *more]))
        self.summary.rejected += 1
        if len(self.summary.problems) < 10:
            self.summary.problems.append(
                _("{row}: {reason}").format(row=row_said(number), reason=reason)
            )
        if self.options.on_reject:
            self.options.on_reject(number, record, reason)

    def column(self, target: str) -> str:
        """The file's column that feeds `target` (`重复` for every), to name in a reason."""
        return next((c for c, t in self.mapper._cache.items() if t == target), target)

    def problems(self, record: Record) -> list[str]:
        """Why each field of a refused row is bad, each checked alone, for a rejection to
        name them all (the import itself stops at the first). Run only for a refused row, so
        a clean row is checked once."""
        return []

    def same_record(self, given: str | None, created: str | None) -> int | None:
        """The id of the record (of this importer's kind) a row is a copy of, or None.

        A row of our own export carries the record's `id` and `created_at`. In the default
        mode (--key auto) a row is that record only when both agree with a record here: ids
        are numbers of the database they were exported from, so a file from another database
        adds its rows as new instead of overwriting whatever has the same number here. With
        `--key id` the user says the ids are this database's: an id that names no record here
        is a rejected row, and so is one whose created_at differs (it is another record).
        """
        if given is None:
            return None
        explicit = self.options.key == "id"
        if not explicit and (self.options.key != AUTO or created is None):
            return None
        # the kind of record, as the run's language says one ("customer", 客户)
        noun = self.kind.removesuffix("s") if current() == "en" else word("table", self.kind)
        text = given.strip()
        if not text.isdigit() or not text.isascii():
            if explicit:
                raise InvalidInput(
                    _("id must be a whole number (got {given!r})").format(given=given)
                )
            return None  # another system's ids: not ours
        record_id = int(text)
        found = None
        if record_id <= self._last_id:  # records this import added are not "already here"
            found = self.conn.execute(
                f"SELECT created_at FROM {self.kind} WHERE id = ?",  # noqa: S608 - a fixed name
                (record_id,),
            ).fetchone()
        if found is None:
            if explicit:
                raise InvalidInput(
                    _(
                        "no {noun} with id {id} in this database (--key id matches this "
                        "database's ids; without it the row is added as new)"
                    ).format(noun=noun, id=record_id)
                )
            return None
        if created is not None and not _same_instant(created, found[0]):
            if explicit:
                raise InvalidInput(
                    _(
                        "{noun} {id} here was created at {here}, the row's at {row}: the row "
                        "comes from another database (import it without --key id to add it as "
                        "new)"
                    ).format(
                        noun=noun,
                        id=record_id,
                        here=found[0],
                        row=created.strip(),
                    )
                )
            return None
        return record_id

    def no_customer(self) -> str:
        """Why a row names no customer: its cell is empty, or the file has no column crm reads
        as the customer (then its columns are named, to --map one)."""
        if "customer" in self.mapper._cache.values():
            return _("no customer: give a customer column (id, external id, email...)")
        return _(
            "no customer column: map one with --map COLUMN=customer (it holds an id, external "
            "id, email, phone or name); the file's columns: {columns}"
        ).format(columns=_(", ").join(c for c in self.mapper.seen() if c))

    def customer(self, values: dict[str, list[str]]) -> int:
        """The customer a row names (id, external key, email, phone or a unique name)."""
        from crmcli.records import refs

        given = values.get("customer")
        if not given:
            raise InvalidInput(self.no_customer())
        ref = given[0]
        found = self._customers.get(ref)
        if found is None:
            found = refs.resolve_cell(self.conn, ref, region=self.options.region)
            if len(self._customers) >= CUSTOMER_REFS:
                self._customers.clear()
            self._customers[ref] = found
        for other in given[1:]:
            if other != ref:
                self.agree(found, ref, other)
        return found

    def agree(self, customer_id: int, ref: str, other: str) -> None:
        """Refuse a row whose two customer columns name different customers here.

        Our export's rows carry `customer_id` and `customer` (the name). In a file from
        another database the id numbers somebody else here: Alice's purchase would land on
        whoever is customer 1 here. So when a row names its customer twice, both must be
        the same customer here: `other` is the customer's name (ignoring case and width) or
        a reference that resolves to the same id. Checked once per distinct pair.
        """
        key = (customer_id, other)
        if key not in self._agreed:
            self._agreed[key] = self._disagreement(customer_id, ref, other)
        problem = self._agreed[key]
        if problem is not None:
            raise InvalidInput(problem)

    def _disagreement(self, customer_id: int, ref: str, other: str) -> str | None:
        from crmcli.records import refs

        row = self.conn.execute(
            "SELECT name, name_key FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        if row is not None and row[1] == validate.fold(other):
            return None
        columns = [c for c, t in self.mapper._cache.items() if t == "customer"]
        first, second = [*columns, _("customer column"), _("other customer column")][:2]
        mine = f"#{customer_id} {row[0]}" if row is not None else f"#{customer_id}"
        said = {"first": first, "ref": ref, "mine": mine, "second": second, "other": other}
        try:
            other_id = refs.resolve_cell(self.conn, other, region=self.options.region)
        except NotFound:
            return _(
                "{first} {ref} is {mine} here, but {second} {other!r} is nobody here: the "
                "row's customer columns disagree (is the file from another database?); to go "
                'by {second} alone, import with --map "{first}=-"'
            ).format(**said)
        except InvalidInput:  # Ambiguous: several customers, none of them surely this one
            return _(
                "{first} {ref} is {mine} here, but {second} {other!r} is several customers "
                "here: the row's customer columns disagree (is the file from another "
                'database?); to go by {second} alone, import with --map "{first}=-"'
            ).format(**said)
        if other_id == customer_id:
            return None
        found = self.conn.execute("SELECT name FROM customers WHERE id = ?", (other_id,))
        return _(
            "{first} {ref} is {mine} here, but {second} {other!r} is {theirs}: the row's "
            "customer columns disagree (is the file from another database?); to go by "
            '{second} alone, import with --map "{first}=-"'
        ).format(theirs=f"#{other_id} {found.fetchone()[0]}", **said)


def _same_instant(text: str, stored: str) -> bool:
    """Whether a row's created_at is the stored one (the same moment, whatever the offset)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.strip()) == datetime.fromisoformat(stored)
    except (ValueError, TypeError):
        return False


def _one(values: dict[str, list[str]], target: str) -> str | None:
    found = values.get(target)
    return found[0] if found else None


_SPLIT_PHONES = re.compile(r"\s*(?::::|[;,/、；，])\s*")
_SPLIT_EMAILS = re.compile(r"\s*(?::::|[;,\s；，])\s*")
_SPLIT_TAGS = re.compile(r"\s*(?::::|[;,；，、])\s*")
_MASKED_ID = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9Xx]")  # as our export masks one
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The letters of names written as Chinese, Japanese and Korean write them, family name
# first and no space between the parts: ideographs (those past U+FFFF too: 𠮷), kana, hangul.
_EAST_ASIAN = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
    r"\U00020000-\U0003ffff]"
)


def _east_asian(parts: list[str]) -> bool:
    """Whether name parts are written as East Asian names are: some of their letters
    ideographs, kana or hangul, and none of another script (`Wei` and 张 are two scripts:
    joined in their order with a space). Signs between them (阿卜杜•, 张-王) are no letters."""
    letters = [ch for part in parts for ch in part if ch.isalpha()]
    return bool(letters) and all(_EAST_ASIAN.match(ch) for ch in letters)


# Placeholders spreadsheets and Outlook write for "no value".
_EMPTY = {
    "0/0/00", "0/0/0000", "00/00/0000", "unspecified", "n/a", "none", "null", "-", "--", "?",
    "unknown", "tbd", "未知", "未指定", "无", "—",
}  # fmt: skip


def _split(values: list[str], pattern: re.Pattern[str]) -> list[str]:
    return [part for value in values for part in pattern.split(value) if part.strip()]


@dataclass
class CustomerRow:
    """One customer record turned into what `crm add`/`crm edit` take."""

    raw: Any  # CustomerInput
    tags: list[str]
    stage: str | None
    related: list[tuple[str, str, str]] = field(default_factory=list)  # (relation, name, ref)


# The target of 钉钉's 客户类型 (Mapper.plan), which no --map names; the types that say a
# customer is a person and not a company.
DINGTALK_TYPE = "\x00dingtalk_type"
_PERSON_TYPES = {"个人客户", "个人", "个人用户"}
# 企业微信's 客户名称 beside a nickname column of its own (Mapper.plan): the name the
# customer shows, the name of the row unless 备注名 (the salesperson's) gives one; the
# headers of such a nickname column.
WECOM_NAME = "\x00wecom_name"
_NICKNAME_KEYS = frozenset(
    header_key(h) for h in ("昵称", "客户昵称", "微信昵称", "暱稱", "微信暱稱", "wechat nickname")
)
# The values of 企业微信's 类型: which WeChat the contact uses (customer_row).
_WECHAT_TYPES = {"微信", "企业微信", "微信用户", "企业微信用户"}


# China's provinces, autonomous regions, municipalities and special administrative regions,
# by the names a place is written with when its 省/市/自治区 is left off (广东深圳).
_PROVINCES = tuple(PROVINCES)
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
# 市 ends a province's name only for the municipalities: `吉林市` is a city of 吉林省.
_PROVINCE = re.compile(
    rf"(?:{'|'.join(_MUNICIPALITIES)})市?"
    rf"|(?:{'|'.join(_PROVINCES)})(?:省|特别行政区|(?:壮族|回族|维吾尔)?自治区)?"
)
_CITY = re.compile(r".+?(?:市|自治州|地区|盟)")
# The parts of China people name a place by that are no province (`华东地区` is no 地区 of
# a province, as 阿克苏地区 is): a region as a whole.
_AREAS = re.compile(r"(?:华东|华南|华北|华中|西南|西北|东北|港澳台)(?:地区)?")
_DISTRICT = re.compile(r".+(?:区|县|旗)")
_PLACE_PARTS = re.compile(r"\s*[\s/,，、·-]\s*")


def _province(text: str) -> str:
    """A province as people type it: `浙江省`, `北京市`, `广西壮族自治区` are 浙江, 北京, 广西."""
    found = _PROVINCE.fullmatch(text)
    return text if found is None else next(p for p in _PROVINCES if text.startswith(p))


def _city(text: str) -> str:
    """A city as crm stores it, as a 市 column's is (crmcli.core.vocabulary `understood`):
    a prefecture-level city or a municipality by its short name (`杭州市` is 杭州); any other
    as written: a county-level city (`义乌市`, as 义乌 names no city of the list), a name
    of one character before 市 (沙市), 自治州, 地区 and 盟, which are part of the name."""
    return understood("city", text) or text


def place(text: str) -> tuple[str | None, str | None, str | None]:
    """A place written in one cell, as (region, city, district), as people type them.

    `浙江省杭州市西湖区` and `浙江 杭州 西湖区` are (浙江, 杭州, 西湖区): a province
    without 省, 市 or 自治区, a city without 市 (`_city`), the district as written; a
    municipality is its own city (`北京市朝阳区`: 北京, 北京, 朝阳区); a city alone
    (`杭州市`) has no region, a district alone (`海淀区`) no region and no city; anything
    else (`华东`, `华东地区`, `New York`) is the region as a whole. Spaces between the parts
    change nothing (`北京市 海淀区` is `北京市海淀区`).
    """
    text = text.strip()
    if not _CJK.search(text):  # `New York`, `Bavaria`: a region as written, not split
        return text or None, None, None
    if _AREAS.fullmatch(text):
        return text, None, None
    parts = [p for p in _PLACE_PARTS.split(text) if p]
    if len(parts) > 1:
        region, city, *rest = parts
        region = _province(region)
        if region in _MUNICIPALITIES:  # its own city: what follows is its district
            return region, region, "".join([city, *rest])  # 上海 徐汇区, 北京市 海淀区 中关村
        return region, _city(city), "".join(rest) or None
    found = _PROVINCE.match(text)
    if found is None or text[found.end() :] == "市":  # 吉林市: a city named as its province
        if _CITY.fullmatch(text) and len(text) > 2:
            return None, _city(text), None
        if _DISTRICT.fullmatch(text):  # a district alone (`海淀区`) is no region
            return None, None, text
        return text or None, None, None
    region, rest = _province(found.group()), text[found.end() :]
    if region in _MUNICIPALITIES:
        return region, region, rest or None
    city = _CITY.match(rest)
    if city is None:
        return region, _city(rest) if rest else None, None
    return region, _city(city.group()), rest[city.end() :] or None


def customer_row(values: dict[str, list[str]]) -> CustomerRow:
    from crmcli.records.customers import SCALAR_FIELDS, CustomerInput

    raw = CustomerInput()
    for name in SCALAR_FIELDS:
        found = values.get(name)
        if found and found[0].strip().casefold() not in _EMPTY:
            raw.values[name] = found[0]
    if raw.values.get("kind", "").strip() in _WECHAT_TYPES:
        # 企业微信's 类型 (beside 备注名 or not) is the WeChat a contact uses, not whether
        # they are a person or an organisation: crm keeps none, as of 备注名's (Mapper.plan).
        del raw.values["kind"]
    lunar = _one(values, "birthday_lunar")
    if lunar is not None and lunar.strip():  # the birthday's rule; its Gregorian day follows
        from crmcli.core.lunar import strip_prefix

        # a cell may mark it lunar itself (`农历1990年八月十五`, as the refusal advises)
        said = lunar.strip()
        raw.values["birthday"] = said if strip_prefix(said) is not None else f"lunar:{said}"
    if "\n" in raw.values.get("address", ""):  # a formatted multi-line address: one line
        lines = [" ".join(line.split()) for line in raw.values["address"].splitlines()]
        raw.values["address"] = ", ".join(line for line in lines if line)
    if "national_id" in raw.values and _MASKED_ID.fullmatch(raw.values["national_id"].strip()):
        # A masked number from our own export (`110105********002X`) is not data; any other
        # `*` is a typo, which validation refuses with the row.
        del raw.values["national_id"]
    said = (n.strip() for n in values.get("notes", []))
    notes = list(dict.fromkeys(n for n in said if n and n.casefold() not in _EMPTY))
    if len(notes) > 1 or (notes and "notes" not in raw.values):  # 备注 beside 描述: keep both
        raw.values["notes"] = "\n".join(notes)
    said = _one(values, DINGTALK_TYPE)
    if said is not None and said.strip() in _PERSON_TYPES and raw.values.get("company"):
        # A 钉钉 个人客户 is the person 客户名称 names (read as the company, plan()); a
        # 联系人 beside it who is someone else is kept in the notes.
        person, contact = raw.values.pop("company"), raw.values.get("name")
        raw.values["name"], raw.values["kind"] = person, "person"
        if contact and contact.strip() != person.strip():
            line = f"联系人：{contact.strip()}"
            raw.values["notes"] = "\n".join(filter(None, (raw.values.get("notes"), line)))
    shown = (_one(values, WECOM_NAME) or "").strip()
    nickname = (_one(values, "field:wechat_nickname") or "").strip()
    if shown and "name" in raw.values and shown not in (raw.values["name"].strip(), nickname):
        # 备注名 names the customer: a 客户名称 that is neither it nor the nickname is kept
        # in the notes, as a 钉钉 联系人 is, never dropped unsaid
        line = f"客户名称：{shown}"
        raw.values["notes"] = "\n".join(filter(None, (raw.values.get("notes"), line)))
    if "name" not in raw.values:
        first, middle, last = (_one(values, n) for n in ("first_name", "middle_name", "last_name"))
        parts = [p.strip() for p in (first, middle, last) if p and p.strip()]
        if parts:
            if _east_asian(parts):  # 张伟, 山田太郎, 김민준
                raw.values["name"] = "".join(reversed(parts))
            else:  # Wei Zhang, and a name of two scripts (Wei 张) with its space
                raw.values["name"] = " ".join(parts)
        elif shown := _one(values, WECOM_NAME):  # 企业微信's 客户名称, without 备注名
            raw.values["name"] = shown
        elif nickname := _one(values, "field:wechat_nickname"):  # 企业微信 without 备注名
            raw.values["name"] = nickname
        elif raw.values.get("company"):
            raw.values["name"] = raw.values["company"]
            raw.values.setdefault("kind", "organisation")
    cell = _one(values, PLACE)
    if cell is not None and cell.strip().casefold() not in _EMPTY:
        # 所在地区: each part only where no column of its own (省份, 城市, 区县) gave it
        region, city, district = place(cell)
        for name, part in (("region", region), ("city", city)):
            if part and name not in raw.values:
                raw.values[name] = part
        if district and "field:district" not in values:
            values = {**values, "field:district": [district]}
    if "address" not in raw.values and _one(values, "street"):
        raw.values["address"] = " ".join(_one(values, "street").split())  # type: ignore[union-attr]
    raw.phones = _split(values.get("mobile", []) + values.get("phone", []), _SPLIT_PHONES)
    raw.emails = _split(values.get("email", []), _SPLIT_EMAILS)
    for target, items in values.items():
        if target.startswith("field:"):
            raw.fields.append(f"{target[6:]}={'; '.join(items)}")
        elif target == "fields":
            for item in items:
                raw.fields.extend(_fields_cell(item))
    tags = [
        t.strip()
        for t in _split(values.get("tags", []), _SPLIT_TAGS)
        if not t.strip().startswith("*")  # Google's system labels: `* myContacts`, `* starred`
    ]
    related = [item for cell in values.get("related", []) for item in _related_cell(cell)]
    return CustomerRow(raw=raw, tags=tags, stage=_one(values, "stage"), related=related)


def _related_cell(text: str) -> list[tuple[str, str, str]]:
    """Our export's `related` cell, a JSON list of {relation, name, customer_id} (the id of
    one of the file's rows, or null for a person who is no customer), checked: (relation,
    name, reference) each."""
    wrong = 'related must be a JSON list of objects, e.g. [{"relation": "spouse", "name": "Li"}]'
    try:
        data = parse_json(text)
    except json.JSONDecodeError:
        raise InvalidInput(wrong) from None
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise InvalidInput(wrong)
    out = []
    for item in data:
        relation, name, ref = item.get("relation"), item.get("name"), item.get("customer_id")
        if not isinstance(relation, str) or not isinstance(name, (str, type(None))):
            raise InvalidInput(
                _("related: relation and name must be text (got {item!r})").format(item=item)
            )
        if (ref is not None and not isinstance(ref, (str, int))) or isinstance(ref, bool):
            raise InvalidInput(
                _("related: customer_id must be an id or null (got {ref!r})").format(ref=ref)
            )
        out.append((
            validate.text("relation", relation),
            validate.text("related name", name or relation),
            "" if ref is None else str(ref),
        ))  # fmt: skip
    return out


def _fields_cell(text: str) -> list[str]:
    """Our export's `fields` cell: a JSON object of user-defined fields."""
    try:
        data = parse_json(text)
    except json.JSONDecodeError:
        raise InvalidInput(
            _('fields must be a JSON object, e.g. {{"wechat": "zw_88"}}').format()
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(_('fields must be a JSON object, e.g. {{"wechat": "zw_88"}}').format())
    return [f"{k}={v}" for k, v in data.items() if v not in (None, "")]


class Made:
    """The row of the file that added each customer an import added, as `row_said` names
    it: arrays of 8-byte numbers in id order (the id, and the row's Place: the line it ends
    on, its row, the line it begins on; a vCard's card as minus its number), 32 bytes a
    customer where a dict of Places took about 150, for imports of a million. Ids only
    grow, but a rejected row's customer is rolled back and its id given to the next one."""

    def __init__(self) -> None:
        from array import array

        self.ids, self.ends = array("q"), array("q")
        self.rows, self.lines = array("q"), array("q")

    def add(self, customer_id: int, number: int) -> None:
        while self.ids and self.ids[-1] >= customer_id:  # a rejected row's, rolled back
            for kept in (self.ids, self.ends, self.rows, self.lines):
                kept.pop()
        self.ids.append(customer_id)
        self.ends.append(int(number))
        card = getattr(number, "card", None)  # a vCard's card: kept as minus its number
        self.rows.append(-card if card is not None else getattr(number, "row", number))
        self.lines.append(getattr(number, "line", number))

    def extend(self, first: int, numbers: list[int]) -> None:
        """`add` of customers first, first + 1, ... in turn, added by the rows `numbers` (a
        batch read by columns: one call, not one a row)."""
        while self.ids and self.ids[-1] >= first:  # a rejected row's, rolled back
            for kept in (self.ids, self.ends, self.rows, self.lines):
                kept.pop()
        cards = [getattr(n, "card", None) for n in numbers]
        self.ids.extend(range(first, first + len(numbers)))
        self.ends.extend(map(int, numbers))
        self.rows.extend(-c if c is not None else getattr(n, "row", n)
                         for n, c in zip(numbers, cards, strict=True))  # fmt: skip
        self.lines.extend(getattr(n, "line", n) for n in numbers)

    def get(self, customer_id: int) -> int | None:
        from bisect import bisect_left

        from crmcli.core.text import Place

        at = bisect_left(self.ids, customer_id)
        if at == len(self.ids) or self.ids[at] != customer_id:
            return None
        if self.rows[at] < 0:
            from crmcli.transfer.vcards import CardPlace

            return CardPlace(self.lines[at], -self.rows[at])
        return Place(self.ends[at], self.rows[at], self.lines[at])


# Targets of a row `CustomerImporter.batched` leaves to the one-at-a-time path.
_NOT_BATCHED = frozenset({"id", "created_at", "tags", "related", "fields", "referred_by"})
# The columns of customers a batched row may set beside name and kind (Changes.values).
_OTHER_COLUMNS = (
    "company", "title", "gender", "birthday", "birthday_lunar", "address", "city", "region",
    "country", "industry", "company_size", "source", "national_id", "notes",
    "preferred_channel", "preferred_time", "external_id", "cadence_days", "cadence_max_days",
)  # fmt: skip
_BATCH_COLUMNS = frozenset({"name", "kind", *_OTHER_COLUMNS})
# The targets CustomerImporter._quick reads (a value of one column, checked by itself).
_QUICK = frozenset({
    "name", "kind", "gender", "birthday", "notes", "external_id", "cadence_days", "company",
    "title", "address", "city", "region", "country", "industry", "company_size", "source",
    "preferred_channel", "preferred_time",
})  # fmt: skip


@dataclass(slots=True)
class _Plain:
    """What CustomerImporter._quick reads of a row: the parts of customers.Changes that
    a new customer's batch writes (`_write`) and duplicates.taken reads."""

    values: dict[str, Any]
    add_phones: list[str]
    add_emails: list[tuple[str, str]]


# How CustomerImporter._quick reads a column: a value, the stage, or an item of a list.
_VALUE, _STAGE, _PHONE, _MOBILE, _EMAIL = range(5)
_QUICK_LISTS = {"phone": _PHONE, "mobile": _MOBILE, "email": _EMAIL}
_PLACEHOLDER: dict[str, Any] = {"": None}  # a cell that says "no value" (_EMPTY)
# The customers a row matches by each --key (CustomerImporter._by_key).
_BY_KEY = {
    "external_id": "SELECT id FROM customers WHERE external_id = ?",
    "email": "SELECT DISTINCT customer_id FROM customer_emails WHERE email_key = ?",
    "phone": "SELECT DISTINCT customer_id FROM customer_phones WHERE phone = ?",
}
# The same, of many values at once: the values some customer has (CustomerImporter._known).
_KEY_AMONG = {
    "external_id": "SELECT external_id FROM customers WHERE external_id IN ({marks})",
    "email": "SELECT email_key FROM customer_emails WHERE email_key IN ({marks})",
    "phone": "SELECT phone FROM customer_phones WHERE phone IN ({marks})",
}
# The emails and phones among many that a live customer has (as duplicates.taken).
_LIVE_EMAILS = (
    "SELECT e.email_key FROM customer_emails e JOIN customers c ON c.id = e.customer_id "
    "WHERE c.archived_at IS NULL AND e.email_key IN ({marks})"
)
_LIVE_PHONES = (
    "SELECT p.phone FROM customer_phones p JOIN customers c ON c.id = p.customer_id "
    "WHERE c.archived_at IS NULL AND p.phone IN ({marks})"
)
AMONG = 500  # values bound to one query of _among


def _among(conn: sqlite3.Connection, sql: str, values: list[str]) -> set[str]:
    """The values `sql` (with `IN ({marks})`) finds among `values`."""
    found: set[str] = set()
    for start in range(0, len(values), AMONG):
        chunk = values[start : start + AMONG]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(sql.format(marks=marks), chunk))
    return found


# The tables a customer import appends to besides customers and tags (see run_import).
CUSTOMER_CHILDREN = (
    "customer_phones", "customer_emails", "customer_fields", "customer_relations",
    "customer_tags", "stage_changes", "customer_vcards",
)  # fmt: skip


def _batch_columns(rows: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    """The columns of _OTHER_COLUMNS some row of a batch sets (not None), in that order:
    only those are written (the others are NULL, as they would be): binding a NULL costs as
    much as a value, and most of them are empty in most files (a third of the insert's CPU)."""
    named = {k for values in rows for k, v in values.items() if v is not None}
    return tuple(c for c in _OTHER_COLUMNS if c in named)


# A record `CustomerImporter._by_columns` has written with its batch.
_WRITTEN: Record = {}
# A cell a check refused (CustomerImporter._found, _phones, _emails).
_REFUSED: Any = ["refused"]
# The columns of customers a target sets besides its own (customers.column_values).
_SETS = {
    "birthday": ("birthday", "birthday_lunar"),
    "cadence_days": ("cadence_days", "cadence_max_days"),
}


class _Accepted(Exception):
    """A row tried before the import's write machinery was set up that would be written
    (CustomerImporter._refused_unarmed): rolled back, to be imported again."""


class CustomerImporter(Importer):
    kind = "customers"

    def __init__(self, conn: sqlite3.Connection, mapper: Mapper, options: Options) -> None:
        from crmcli.records import customers

        super().__init__(conn, mapper, options)
        self._number = 0  # the row being imported
        self._made = Made()  # customer id -> the row that added it
        # Our own export names a referrer by its id in the file: the customer that row became.
        self._by_file_id: dict[str, int] = {}
        self._waiting: list[tuple[int, int, str]] = []  # (row, customer, referrer's file id)
        # (row, customer, [(relation, name, reference)], from this database)
        self._related: list[tuple[int, int, list[tuple[str, str, str]], bool]] = []
        self._uids: dict[str, int] | None = None  # card UID -> customer here, when needed
        self._stages: dict[str, str] = {}  # a stage as typed -> as stored
        self._memo = customers.Memo()  # each distinct value checked once
        # The phones and emails `_quick` checked, kept until its rows are settled, for
        # `one` to find when it imports one of them alone (an update of a customer).
        self._recent = customers.Memo()
        # New customers checked and waiting to be written together (see `batched`), and
        # the external ids, emails and phones they take.
        self._batch: list[tuple[int, Record, Any, str | None]] = []
        self._taking: set[str] = set()
        self._cleaned: dict[tuple[str, str], dict[str, Any]] = {}  # see `_clean`
        self._by_cell: dict[str, dict[str, Any]] = {}  # target -> cell -> see `_found`
        self._by_cells = 0  # how many cells _by_cell keeps
        self._pending: list[tuple[int, Record, Any, str | None]] = []  # see `_settle`
        self._plans: dict[tuple[str, ...], list[tuple[str, str, int]]] = {}  # see `_plan`
        self._name_keys: dict[str, str] = {}  # name -> validate.fold(name), see `_write`
        self._today = self.now.date()
        # Read once here, not at every row.
        from crmcli.records import duplicates

        self._prepare, self._column_values = customers.prepare, customers.column_values
        self._taken = duplicates.taken
        # Sets up what writing the rows needs (history by table, see run_import), called
        # once before the first write, so that an import refused before it sets up nothing.
        self.arm: Callable[[], None] = lambda: None
        self._armed = False
        # Told before a batch is written by columns how many rows they will then have
        # added (indexes.growing's `added`, for the time `_by_columns` writes by columns).
        self._adding: Callable[[int], None] = lambda count: None
        # While `_by_columns` writes by columns, from its first write: the SQL that makes
        # again the search queue's triggers it dropped (search.unqueue), once for all.
        self._requeue: list[str] | None = None

    def problems(self, record: Record) -> list[str]:
        from crmcli.records import config, customers, tags

        try:
            values = gather(self.mapper, record)
            row = customer_row(values)
        except (InvalidInput, NotFound):
            return []
        raw, home = row.raw, {k: v for k, v in row.raw.values.items() if k == "country"}
        parts = [customers.CustomerInput(values={k: v}) for k, v in raw.values.items()]
        parts += [customers.CustomerInput(values=home, phones=[p]) for p in raw.phones]
        parts += [customers.CustomerInput(emails=[e]) for e in raw.emails]
        today = self.now.date()  # a national ID in a field is said once, by _no_id_in_fields
        fields = [f for f in raw.fields if not validate.national_id_in(f.partition("=")[2], today)]
        parts += [customers.CustomerInput(fields=[f]) for f in fields]
        checks = [
            functools.partial(self._named, row, values),
            functools.partial(self._no_id_in_fields, values, card=VCARD_KEY in record),
            *(functools.partial(self._prepared, part) for part in parts),
            *(functools.partial(tags.clean_tag, t) for t in row.tags),
        ]
        if row.stage is not None:
            checks.append(functools.partial(config.clean_stage, self.conn, row.stage))
        return _refusals(checks, lambda exc: self.said(exc, record))

    def said(self, exc: InvalidInput | NotFound, record: Record) -> str:
        """A bad birthday names the column it came from (`出生日期`, `农历生日`): of the
        columns a birthday is read from, the one of `record` holding the value refused."""
        from crmcli.records.customers import BadBirthday

        if isinstance(exc, validate.PhoneAside):  # not --notes: the file's own place
            return exc.in_file(*self._aside(VCARD_KEY in record))
        if isinstance(exc, BadBirthday):
            columns = [
                c
                for target in ("birthday", "birthday_lunar")
                for c in self.mapper.columns_of(target)
            ]
            held = [c for c in columns if str(record.get(c) or "").strip() == exc.value]
            column = next(iter(held or columns), None)
            if column is not None and VCARD_KEY in record:  # the card's property: BDAY
                from crmcli.transfer.vcards import property_of

                return exc.in_card(property_of(column))
            if column is not None:
                return exc.in_column(column)
        return exc.message

    def _aside(self, card: bool) -> tuple[str, str]:
        """Where a file keeps what a phone cell held beside the number (validate.PhoneAside):
        its notes column (one headed `notes`, `备注` if it has none yet), and a column headed
        `field:NAME`, which every import reads as a user-defined field; a vCard's NOTE and
        X-CRM-FIELD property, which its import reads so."""
        if card:
            return _("the card's NOTE"), _("an X-CRM-FIELD;X-KEY=extension property")
        columns = self.mapper.columns_of("notes")
        if columns:
            notes = _("its column {column}").format(column=columns[0])
        else:
            notes = _("a new column headed notes")
        return notes, _("a column headed field:extension")

    def _named(self, row: CustomerRow, values: dict[str, list[str]]) -> None:
        """Refuse a row without a name that would add a customer (an update needs none)."""
        if "name" in row.raw.values:
            return
        try:
            existing, _key = self._existing(row, values)
        except (InvalidInput, NotFound):
            return  # which customer it is is refused by its own check
        if existing is None:
            raise InvalidInput(_("a customer needs a name"))

    def _prepared(self, part: Any) -> None:
        from crmcli.records import customers

        customers.prepare(
            self.conn, part, region=self.options.region, today=self.now.date(),
            resolve=self._resolve,
        )  # fmt: skip

    def run(self, records: Iterable[tuple[int, Record]]) -> Summary:
        """A CSV file of plain new customers is read by columns (`_by_columns`); anything
        else row by row."""
        from crmcli.transfer.sources import Rows

        if isinstance(records, Rows):
            shape = self._shape(records)
            if shape is not None:
                records = self._by_columns(records, *shape)
        return super().run(records)

    def row(self, number: int, record: Record) -> None:
        if record is _WRITTEN:  # written with its rows by `_by_columns`
            return
        self._number = number
        if not self.batched(number, record):
            self._settle()
            self.write_batch()  # the rows before this one are in the database first
            self._alone(number, record)

    def _alone(self, number: int, record: Record) -> None:
        """Import one row by itself (`one`, in a savepoint). Before anything is written the
        row is tried first without the import's history machinery (`arm`): a refused row
        is refused then, and a file whose rows are all refused never sets it up (nor
        changes the file); a row that would be written is rolled back, the machinery set
        up, and the row imported again."""
        if not self._armed and self._refused_unarmed(number, record):
            return
        self._arm()
        super().row(number, record)

    def _refused_unarmed(self, number: int, record: Record) -> bool:
        """Whether `one` refuses the row (rejected here, as `row` would); anything it did
        is rolled back, the importer's own lists as well."""
        kept = (len(self._waiting), len(self._related), len(self.summary.warnings))
        files = dict(self._by_file_id)
        try:
            with savepoint(self.conn, "import_try"):
                self.one(record)
                raise _Accepted
        except _Accepted:
            del self._waiting[kept[0] :], self._related[kept[1] :]
            del self.summary.warnings[kept[2] :]
            self._by_file_id = files
            return False
        except (InvalidInput, NotFound) as exc:
            self.reject(number, record, self.said(exc, record))
            return True

    def _arm(self) -> None:
        """Set up the import's history machinery (run_import's `arm`) before its first
        write; once."""
        if not self._armed:
            self._armed = True
            self.arm()

    def reject(self, number: int, record: Record, reason: str) -> None:
        self._settle()  # the rows before it are imported (or refused) first
        super().reject(number, record, reason)

    def batched(self, number: int, record: Record) -> bool:
        """Check a row that makes a plain new customer (no match by --key, nothing taken,
        no tags, fields, referrer or related people) and hold it for `write_batch`, which
        writes many at once; False for any other row, left to `one` (which also says why a
        bad row is refused). The checks are `one`'s own, so both take the same rows. A row
        `_quick` reads waits to be matched with the others of its batch (`_settle`), which
        may yet import it alone."""
        if VCARD_KEY in record:
            return False
        quick = self._quick(record)
        if quick is not None:
            self._pending.append((number, record, *quick))
            if len(self._pending) >= BATCH:
                self._settle()
            return True
        self._settle()
        try:
            prepared, stage = self._checked(record)
        except (InvalidInput, NotFound):
            return False
        if prepared is None or not self._hold(number, record, prepared, stage):
            return False
        if len(self._batch) >= BATCH:
            self.write_batch()
        return True

    def _shape(self, rows: Rows) -> tuple[tuple[tuple[int, str], ...], int | None, int | None,
                                           int | None] | None:  # fmt: skip
        """How `_by_columns` reads a CSV file: (index, target) of each column of a value,
        the index of its column of phones (or mobiles), of emails and of the stage; None for
        a file it does not read: a column of any other target, two of one target (or of
        phones), a country (its phones would be read there)."""
        valued: list[tuple[int, str]] = []
        lists: dict[str, int] = {}
        for index, column in enumerate(rows.columns):
            target = self.mapper.target(column)
            if target is None or target == "-":
                continue
            if target in ("mobile", "phone", "email", "stage"):
                kind = "phone" if target == "mobile" else target
                if kind in lists:
                    return None
                lists[kind] = index
            elif target in _QUICK and target != "country":
                if any(t == target for _i, t in valued):
                    return None
                valued.append((index, target))
            else:
                return None
        if not any(t == "name" for _i, t in valued):
            return None
        return tuple(valued), lists.get("phone"), lists.get("email"), lists.get("stage")

    def _by_columns(
        self, rows: Rows, valued: tuple[tuple[int, str], ...], phone: int | None,
        email: int | None, stage: int | None,
    ) -> Iterator[tuple[int, Record]]:  # fmt: skip
        """The records of `rows`, each BATCH of which is first read by columns: each
        distinct cell of a column checked once (`_found`), and the batch written at once
        (`_store`) when every row of it is a plain new customer that `batched` would hold;
        its rows are then given as _WRITTEN. From the first batch that has any other row
        (a refusal, a match, a value another row or customer has, a row the reader could
        not split or with a Windows line break), that batch and the rest are given as
        read, for the row-by-row path: the rows before it were written just as that path
        writes them (in batches of BATCH, at the same ids), so it goes on from the same
        point."""
        from itertools import islice

        from crmcli.store import search
        from crmcli.store.indexes import growing

        cells = iter(rows.cells)
        # The indexes of customers set aside while many rows are written by columns (see
        # ASIDE) are made again before any row is imported row by row, which reads them.
        with growing(self.conn, "customers", least=ASIDE, share=1) as self._adding:
            while True:
                chunk = list(islice(cells, BATCH))
                if not chunk:
                    break
                if (
                    not self._pending
                    and not self._batch
                    and self._columns(chunk, valued, phone, email, stage, guarded=rows.guarded)
                ):
                    for number, _row in chunk:
                        yield number, _WRITTEN
                    continue
                break
            if self._requeue is not None:  # made again before the indexes, as a batch does
                search.requeue(self.conn, self._requeue)
                self._requeue = None
        self._adding = lambda count: None
        if not chunk:
            return
        record = rows.record
        for number, row in (*chunk, *cells):
            yield number, ({ERROR_KEY: row} if type(row) is str else record(row))

    def _columns(
        self, chunk: list[tuple[int, Any]], valued: tuple[tuple[int, str], ...],
        phone: int | None, email: int | None, stage: int | None, *, guarded: bool,
    ) -> bool:  # fmt: skip
        """Write the rows of `chunk` (line number, cells) if each is a plain new customer
        that `batched` would hold for one batch (see `_by_columns`); whether it did."""
        # Unreadable, or a cell sources._cell reads otherwise (a Windows line break, the
        # export's formula guard): as the row-by-row path reads them.
        quote = "\x00'" if guarded else "\r"
        if any(
            type(row) is str or "\r" in (cells := "\x00" + "\x00".join(row)) or quote in cells
            for _n, row in chunk
        ):
            return False
        rows = [row for _n, row in chunk]
        count = len(rows)
        found: dict[str, list[Any]] = {}
        for index, target in valued:  # each distinct cell checked once
            memo = self._by_cell.setdefault(target, {})
            got = [memo[c] if c in memo else self._found(target, c, memo) for c in
                   (row[index] for row in rows)]  # fmt: skip
            if any(f is _REFUSED or f is _PLACEHOLDER for f in got):
                return False
            found[target] = got
        values: dict[str, list[Any]] = {}  # each column of customers the batch sets
        for target, got in found.items():
            for column in _SETS.get(target, (target,)):
                values[column] = [f.get(column) for f in got]
        names = values["name"]
        if not all(names):
            return False
        stages: list[str | None] = [None] * count
        if stage is not None:
            typed = self._stages
            try:
                stages = [
                    None if not c or c.isspace() else typed.get(c) or self._stage(c)
                    for c in (row[stage] for row in rows)
                ]
            except (InvalidInput, NotFound):
                return False
        numbers: list[list[str]] = [[]] * count
        if phone is not None:
            numbers = [self._phones(row[phone]) for row in rows]
            if any(n is _REFUSED for n in numbers):
                return False
        addresses: list[list[tuple[str, str]]] = [[]] * count
        if email is not None:
            addresses = [self._emails(row[email]) for row in rows]
            if any(a is _REFUSED for a in addresses):
                return False
        # What `_hold` and `_known` ask of each row: no other row of the batch takes its
        # external id, emails or phones, and no customer matches it by --key or (without
        # --allow-duplicate) is live with one of its emails or phones.
        ids = values.get("external_id", [None] * count)
        taken_ids = [i for i in ids if i]
        keys = [k for found_emails in addresses for _e, k in found_emails]
        phones = [p for found_phones in numbers for p in found_phones]
        if any(len(set(t)) != len(t) for t in (taken_ids, keys, phones)):
            return False
        key = self.options.key
        conn = self.conn
        # An external id a customer has: matched by --key (auto, external_id), else one
        # the database refuses to repeat (write_batch then imports the rows one by one).
        matched = _among(conn, _KEY_AMONG["external_id"], [i for i in ids if i is not None])
        if key == "email":
            matches = [a[0][1] for a in addresses if a]
            matched |= _among(conn, _KEY_AMONG["email"], matches)
        elif key == "phone":
            matches = [next((n for n in p if n.startswith("+")), p[0]) for p in numbers if p]
            matched |= _among(conn, _KEY_AMONG["phone"], matches)
        if matched:
            return False
        if not self.options.allow_duplicate and (
            _among(conn, _LIVE_EMAILS, keys)
            or _among(conn, _LIVE_PHONES, [p for p in phones if p.startswith("+")])
        ):
            return False
        self._adding(self.summary.inserted + count)  # all the rows written so far, by columns
        self._write_columns(chunk, values, numbers, addresses, stages)
        return True

    def _write_columns(
        self, chunk: list[tuple[int, Any]], values: dict[str, list[Any]],
        numbers: list[list[str]], addresses: list[list[tuple[str, str]]],
        stages: list[str | None],
    ) -> None:  # fmt: skip
        """Write a batch read by `_columns` as `write_batch` writes the rows it held."""
        self._arm()
        count = len(chunk)
        first = self._first_id()
        other = tuple(
            c for c in _OTHER_COLUMNS if c in values and any(v is not None for v in values[c])
        )
        names = values["name"]
        keys = self._keys()
        for name in names:
            if name not in keys:
                keys[name] = validate.fold(name)
        none = [None] * count
        kinds = [k or "person" for k in values.get("kind", none)]
        people = list(zip(
            range(first, first + count), names, [keys[n] for n in names], kinds,
            *(values[c] for c in other), stages, [2 if s else 1 for s in stages], strict=True,
        ))  # fmt: skip
        ids = range(first, first + count)
        # As _row_children makes them, by columns.
        phones = [
            (customer_id, p, "number" if p.startswith("+") else "service", int(i == 0))
            for customer_id, found in zip(ids, numbers, strict=True)
            for i, p in enumerate(found)
        ]
        emails = [
            (customer_id, e, k, int(i == 0))
            for customer_id, found in zip(ids, addresses, strict=True)
            for i, (e, k) in enumerate(found)
        ]
        changes = [(i, s) for i, s in zip(ids, stages, strict=True) if s is not None]
        from crmcli.store import search
        from crmcli.store.search import PLAIN, customers_columns

        columns = customers_columns(
            names, [values.get(c, none) for c in PLAIN], numbers,
            [[e for e, _k in found] for found in addresses],
            values.get("source", none), values.get("notes", none),
        )  # fmt: skip
        added = list(zip(ids, names, columns, strict=True))
        # Checked as write_batch's rows are, but not written in a savepoint as they are:
        # nothing here goes on past an error in the batch (the whole import fails, and its
        # transaction is rolled back), and a savepoint about a batch cost ~3 % of the CPU
        # of an import (what its pages were is kept as they change, then let go). Only its
        # start is kept: there the search index (FTS5) writes out the entries it holds in
        # memory, so the index's segments are those of write_batch's batches, byte for byte.
        with savepoint(self.conn, "import_batch"):
            pass
        if self._requeue is None:  # once for every batch read by columns, not once a batch
            self._requeue = search.unqueue(self.conn)
        self._store(other, people, phones, emails, changes, added)
        self._made.extend(first, [number for number, _row in chunk])
        self.summary.inserted += count

    def _found(self, target: str, cell: str, memo: dict[str, Any]) -> Any:
        """`_clean` of a cell of `target` as `_quick` reads it (its guard dropped), kept in
        `memo`; _REFUSED (not kept) for a value its check refuses."""
        typed = unquoted(target, cell) if cell[:1] == "'" else cell
        try:
            found = self._read(target, typed)
        except (InvalidInput, NotFound):
            return _REFUSED
        self._by_cells += 1
        if self._by_cells > self._memo.LIMIT:  # bounded in all, as customers.Memo
            for kept in self._by_cell.values():
                kept.clear()
            self._by_cells = 1
        memo[cell] = found
        return found

    def _phones(self, cell: str) -> Any:
        """The phones of a cell as `_quick` reads them (no country), or _REFUSED."""
        typed = _split([unquoted("phone", cell)], _SPLIT_PHONES) if cell else None
        if not typed:
            return []
        region, phone = self.options.region, validate.phone
        try:
            return list(dict.fromkeys(phone(p, region, home=None) for p in typed))
        except (InvalidInput, NotFound):
            return _REFUSED

    def _emails(self, cell: str) -> Any:
        """The emails of a cell as `_quick` reads them, or _REFUSED."""
        from crmcli.records.customers import first_spellings

        typed = _split([cell], _SPLIT_EMAILS) if cell else None
        if not typed:
            return []
        try:
            return first_spellings(validate.email(e) for e in typed)
        except (InvalidInput, NotFound):
            return _REFUSED

    def _settle(self) -> None:
        """Hold the rows `_quick` read for `write_batch`, or import them alone (`one`), in
        file order, as `batched` would one by one. Their matches by --key and the live
        customers who have their emails and phones are read for them all at once; once
        anything is written that reading is stale, and the rest are matched row by row."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        known: tuple[set[str], set[str]] | None = self._known(pending)
        for number, record, prepared, stage in pending:
            self._number = number
            if known is None:
                matched = self._matched(prepared)
            else:
                matched = self._key_value(prepared)[1] in known[0]
            if not matched and self._hold(number, record, prepared, stage, known):
                continue
            self.write_batch()
            self._alone(number, record)
            known = None
        self._recent.clear()
        if len(self._batch) >= BATCH:
            self.write_batch()

    def _hold(
        self,
        number: int,
        record: Record,
        prepared: Any,
        stage: str | None,
        known: tuple[set[str], set[str]] | None = None,
    ) -> bool:
        """Hold a checked row that matches no customer for `write_batch`, unless its
        external id, emails or phones are taken (by a row waiting to be written, or a live
        customer: `known[1]` when read for its batch, else `duplicates.taken`)."""
        given = prepared.values
        if not given.get("name") or not set(given) <= _BATCH_COLUMNS:
            return False
        # What a waiting row takes: a later row naming it is left to `one`, after the wait.
        taking = [f"x:{given['external_id']}"] if given.get("external_id") else []
        taking += [f"e:{key}" for _, key in prepared.add_emails]
        taking += [f"p:{p}" for p in prepared.add_phones]
        if any(t in self._taking for t in taking):
            return False
        if not self.options.allow_duplicate:
            if known is None:
                if self._taken(self.conn, prepared):
                    return False
            elif any(t in known[1] for t in taking):
                return False
        self._taking.update(taking)
        self._batch.append((number, record, prepared, stage))
        self.summary.inserted += 1
        return True

    def _known(
        self, pending: list[tuple[int, Record, Any, str | None]]
    ) -> tuple[set[str], set[str]]:
        """(the --key values of `pending` some customer has, their emails and phones a live
        customer has, as `e:KEY` and `p:PHONE`), read with one query per AMONG values."""
        key: str | None = None
        matched: set[str] = set()
        taken: set[str] = set()
        values: list[str] = []
        emails: list[str] = []
        phones: list[str] = []
        for _number, _record, prepared, _stage in pending:
            key, value = self._key_value(prepared)
            if value is not None:
                values.append(value)
            emails += [k for _e, k in prepared.add_emails]
            phones += [p for p in prepared.add_phones if p.startswith("+")]  # as taken
        conn = self.conn
        if key is not None:
            matched = _among(conn, _KEY_AMONG[key], values)
        if not self.options.allow_duplicate:
            taken = {f"e:{k}" for k in _among(conn, _LIVE_EMAILS, emails)}
            taken |= {f"p:{p}" for p in _among(conn, _LIVE_PHONES, phones)}
        return matched, taken

    def _checked(self, record: Record) -> tuple[Any, str | None]:
        """(prepared, stage) of a row `batched` may hold, read as `one` reads it; (None,
        None) for a row that is no plain new customer; InvalidInput or NotFound."""
        values = gather(self.mapper, record)
        if any(t in _NOT_BATCHED or t.startswith("field:") for t in values):
            return None, None
        row = customer_row(values)
        if row.tags or row.related or row.raw.fields or "referred_by" in row.raw.values:
            return None, None
        if self._existing(row, values)[0] is not None:
            return None, None
        prepared = self._prepare(
            self.conn, row.raw, region=self.options.region, today=self._today,
            resolve=self._resolve, memo=self._memo,
        )  # fmt: skip
        return prepared, None if row.stage is None else self._stage(row.stage)

    def _stage(self, typed: str) -> str:
        """A stage as stored, each distinct one checked once; InvalidInput."""
        if typed not in self._stages:
            from crmcli.records import config

            self._stages[typed] = config.clean_stage(self.conn, typed)
        return self._stages[typed]

    def _quick(self, record: Record) -> tuple[Any, str | None] | None:
        """What `_checked` gives for a row of text cells whose columns map to _QUICK
        targets only (one column each, but phones and emails), without building the row's
        CustomerInput: each distinct value is checked once, by prepare's own checks
        (customers.column_values, validate.phone and email) on what customer_row would give
        them. None for any other row, and for a row a check refuses: `_checked` reads those
        (and `one` says why). The row's match by --key is `_matched`."""
        plan = self._plans.get(tuple(record))
        if plan is None:
            plan = self._plan(tuple(record))
        if not plan:
            return None
        values: dict[str, Any] = {}
        mobiles: list[str] = []
        phones: list[str] = []
        emails: list[str] = []
        stage = None
        cleaned = self._cleaned
        try:
            for column, target, kind in plan:
                cell = record[column]
                if type(cell) is not str:
                    return None
                if cell[:1] == "'":  # `'00123`: as gather reads it
                    cell = unquoted(target, cell)
                if kind == _VALUE:
                    found = cleaned.get((target, cell))
                    if found is None:
                        found = self._clean(target, cell)
                    if found is _PLACEHOLDER:
                        return None  # n/a: the name, say, may come from another column
                    values.update(found)
                elif kind == _PHONE:
                    phones.append(cell)
                elif kind == _MOBILE:
                    mobiles.append(cell)
                elif kind == _EMAIL:
                    emails.append(cell)
                elif not cell.isspace():  # the stage
                    stage = self._stages.get(cell) or self._stage(cell)
            if "name" not in values:
                return None
            prepared = _Plain(values, [], [])
            typed = _split(mobiles + phones, _SPLIT_PHONES) if mobiles or phones else None
            if typed:
                country = values.get("country")
                home = validate.country_region(country)
                if home is None and country:
                    return None  # a country crm cannot place: prepare says more
                region, phone, recent = self.options.region, validate.phone, self._recent
                prepared.add_phones = list(
                    dict.fromkeys(recent(phone, p, region, home=home) for p in typed)
                )
            typed = _split(emails, _SPLIT_EMAILS) if emails else None
            if typed:
                from crmcli.records.customers import first_spellings

                email, recent = validate.email, self._recent
                prepared.add_emails = first_spellings(recent(email, e) for e in typed)
        except (InvalidInput, NotFound):
            return None
        return prepared, stage

    def _plan(self, columns: tuple[str, ...]) -> list[tuple[str, str, int]]:
        """How `_quick` reads a record of these columns: (column, target, kind) of each
        column that maps to something; empty when a column maps to a target `_quick` does
        not read, or two columns to one value (customer_row chooses)."""
        plan: list[tuple[str, str, int]] = []
        seen: set[str] = set()
        for column in columns:
            target = self.mapper.target(column)
            if target is None or target == "-":
                continue
            if target in _QUICK or target == "stage":
                if target in seen:
                    plan = []
                    break
                seen.add(target)
                kind = _VALUE if target != "stage" else _STAGE
            elif target in _QUICK_LISTS:
                kind = _QUICK_LISTS[target]
            else:
                plan = []
                break
            plan.append((column, target, kind))
        if len(self._plans) >= 1000:  # JSON records with ever other keys
            self._plans.clear()
        self._plans[columns] = plan
        return plan

    def _clean(self, target: str, cell: str) -> dict[str, Any]:
        """The column values a cell gives, as customer_row and customers.column_values
        read it: nothing for a blank cell, _PLACEHOLDER for a placeholder (`n/a`). Each
        distinct cell is checked once (a bounded memo, as customers.Memo); InvalidInput."""
        found = self._read(target, cell)
        if len(self._cleaned) >= self._memo.LIMIT:
            self._cleaned.clear()
        self._cleaned[(target, cell)] = found
        return found

    def _read(self, target: str, cell: str) -> Any:
        """The column values of a cell of `target`: nothing for a blank cell, _PLACEHOLDER
        for a placeholder (`n/a`), else customers.column_values's (InvalidInput)."""
        text = cell.strip()
        if not text:
            return {}
        if text.casefold() in _EMPTY:
            return _PLACEHOLDER
        return self._column_values(target, cell, self._today)

    def _key_value(self, prepared: Any) -> tuple[str | None, str | None]:
        """(the --key field, the value) by which a row `_quick` read matches customers, as
        `_by_key` reads it; (None, None) with --key id (a row without an id matches none)."""
        key = self.options.key
        if key == "id":
            return None, None
        if key == AUTO or key == "external_id":
            return "external_id", prepared.values.get("external_id")
        if key == "email":
            return key, prepared.add_emails[0][1] if prepared.add_emails else None
        numbers = prepared.add_phones  # the first real number, else a service number
        value = next((n for n in numbers if n.startswith("+")), None)
        return key, value or (numbers[0] if numbers else None)

    def _matched(self, prepared: Any) -> bool:
        """Whether a row `_quick` read matches one customer or more by --key (as
        `_existing`, which refuses a row that matches several)."""
        key, value = self._key_value(prepared)
        if key is None or value is None:
            return False
        return self.conn.execute(_BY_KEY[key], (value,)).fetchone() is not None

    def write_batch(self) -> None:
        """Write the waiting new customers, with their phones, emails and stages, in file
        order, with the ids they would have had one at a time. Should the database refuse
        them (it should not: they were checked), each goes through `one` instead."""
        if not self._batch:
            return
        waiting, self._batch = self._batch, []
        self._taking.clear()
        self._arm()
        try:
            with savepoint(self.conn, "import_batch"):
                self._write(waiting)
        except sqlite3.IntegrityError:
            self.summary.inserted -= len(waiting)
            for number, record, _prepared, _stage in waiting:
                self._number = number
                super().row(number, record)

    def _write(self, waiting: list[tuple[int, Record, Any, str | None]]) -> None:
        """Write the rows `batched` held (see write_batch)."""
        first = self._first_id()
        columns = _batch_columns([p.values for _n, _r, p, _s in waiting])
        people: list[tuple[Any, ...]] = []
        phones: list[tuple[int, str, str, int]] = []
        emails: list[tuple[int, str, str, int]] = []
        stages: list[tuple[int, str]] = []
        added: list[tuple[int, str, tuple[str, str, str, str]]] = []
        keys = self._keys()
        for offset, (number, _record, prepared, stage) in enumerate(waiting):
            customer_id = first + offset
            get = prepared.values.get
            name = get("name")
            key = keys.get(name)
            if key is None:
                key = keys[name] = validate.fold(name)
            people.append((
                customer_id, name, key, get("kind") or "person", *map(get, columns),
                stage, 2 if stage else 1,
            ))  # fmt: skip
            numbers, addresses = prepared.add_phones, prepared.add_emails
            self._row_children(customer_id, name, get, numbers, addresses, stage,
                               phones, emails, stages, added)  # fmt: skip
            self._made.add(customer_id, number)
        self._store(columns, people, phones, emails, stages, added)

    def _first_id(self) -> int:
        """The id the next customer gets (AUTOINCREMENT: past any ever given)."""
        return int(self.conn.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'customers'), 0), "
            "coalesce((SELECT max(id) FROM customers), 0)) + 1"
        ).fetchone()[0])  # fmt: skip

    def _keys(self) -> dict[str, str]:
        """name -> validate.fold(name): names repeat, each is folded once (bounded)."""
        if len(self._name_keys) >= self._memo.LIMIT:
            self._name_keys.clear()
        return self._name_keys

    @staticmethod
    def _row_children(
        customer_id: int, name: str, get: Callable[[str], Any], numbers: list[str],
        addresses: list[tuple[str, str]], stage: str | None, phones: list[Any],
        emails: list[Any], stages: list[Any], added: list[Any],
    ) -> None:  # fmt: skip
        """A new customer's phones, emails, stage change and search columns, as `crm add`
        would write them, appended to the lists `_store` writes."""
        from crmcli.store.search import PLAIN, customer_columns

        phones += [
            (customer_id, p, "number" if p.startswith("+") else "service", int(i == 0))
            for i, p in enumerate(numbers)
        ]  # the kind as validate.phone_kind says it
        emails += [(customer_id, e, k, int(i == 0)) for i, (e, k) in enumerate(addresses)]
        if stage is not None:  # as set_stage records the move of a new customer
            stages.append((customer_id, stage))
        added.append((customer_id, name, customer_columns(
            name, list(map(get, PLAIN)), numbers, [e for e, _k in addresses], [],
            get("source"), get("notes"),
        )))  # fmt: skip

    def _store(
        self, other: tuple[str, ...], people: list[tuple[Any, ...]], phones: list[Any],
        emails: list[Any], stages: list[Any], added: list[Any],
    ) -> None:  # fmt: skip
        """Insert new customers (`people`: id, name, name key, kind, the `other` columns,
        stage, version), their phones, emails and stage changes, indexed for search from
        `added` in one pass."""
        from crmcli.store import search

        conn, stamp = self.conn, clock.timestamp()
        moment = clock.now().replace(microsecond=0).isoformat()  # as set_stage dates a stage
        columns = ", ".join(("id", "name", "name_key", "kind", *other, "stage",
                             "version", "created_at", "updated_at"))  # fmt: skip
        marks = ", ".join("?" * (len(other) + 6))
        # Indexed for search right after, as one batch: not queued row by row by triggers
        # (set aside here, or by `_write_columns` for every batch read by columns).
        with contextlib.nullcontext() if self._requeue is not None else search.unqueued(conn):
            conn.executemany(
                f"INSERT INTO customers ({columns}) VALUES ({marks}, ?, ?)",  # noqa: S608
                [(*row, stamp, stamp) for row in people],
            )
            conn.executemany(
                "INSERT INTO customer_phones (customer_id, phone, kind, is_primary) "
                "VALUES (?, ?, ?, ?)",
                phones,
            )
            conn.executemany(
                "INSERT INTO customer_emails (customer_id, email, email_key, is_primary) "
                "VALUES (?, ?, ?, ?)",
                emails,
            )
        search.index_added_customers(conn, added)
        conn.executemany(
            "INSERT INTO stage_changes (customer_id, from_stage, to_stage, changed_at, reason, "
            "recorded_at) VALUES (?, NULL, ?, ?, NULL, ?)",
            [(customer_id, stage, moment, stamp) for customer_id, stage in stages],
        )

    def one(self, record: Record) -> str:
        from crmcli.records import config, customers, tags

        values = gather(self.mapper, record)
        self._no_id_in_fields(values, card=VCARD_KEY in record)
        row = customer_row(values)
        existing, key = self._existing(row, values)
        file_id = (_one(values, "id") or "").strip()
        waiting = self._referrer(row, file_id, from_here=existing is not None and key == "id")
        prepared = customers.prepare(
            self.conn,
            row.raw,
            region=self.options.region,
            today=self.now.date(),
            resolve=self._resolve,
            country=customers.countries(self.conn, [existing]).get(existing) if existing else None,
            memo=self._recent,
        )
        if existing is None:
            self._not_taken(prepared)
            customer_id = customers.add_customer(self.conn, prepared)
            self._made.add(customer_id, self._number)
            outcome = "inserted"
        elif self.options.on_conflict == "skip":
            return "unchanged"
        elif self.options.on_conflict == "error":
            raise InvalidInput(
                _("customer {id} already has this {key}").format(
                    id=existing, key=word("field", key)
                )
            )
        else:
            customer_id = existing
            self._not_taken_by_another(prepared, customer_id)
            named = prepared.values.get("name")
            renamed = named is not None and validate.fold(named) != validate.fold(
                self._name_of(customer_id)
            )  # not a change of case or width alone: it matched the same names before
            changed = customers.edit_customer(self.conn, customer_id, prepared)
            outcome = "updated" if changed else "unchanged"
            if renamed:
                self._namesakes(customer_id)
        touched = False
        for name in row.tags:
            _tag, added = tags.add_tag(self.conn, tags.clean_tag(name), [customer_id])
            touched = touched or bool(added)
        if row.stage is not None:
            if row.stage not in self._stages:  # each distinct stage checked once
                self._stages[row.stage] = config.clean_stage(self.conn, row.stage)
            stage = self._stages[row.stage]
            touched = (
                tags.set_stage(self.conn, customer_id, stage, new=outcome == "inserted") or touched
            )
        if VCARD_KEY in record:
            from crmcli.transfer import vcards

            version, card = record[VCARD_KEY]
            kept = vcards.keep_card(self.conn, customer_id, version, card, self.options.region)
            touched = kept or touched
        if touched and outcome == "unchanged":
            outcome = "updated"
        if file_id:
            self._by_file_id[file_id] = customer_id
        if waiting is not None:
            self._waiting.append((self._number, customer_id, waiting))
        if row.related:  # linked once every row's customer is known (`finish`)
            self._related.append(
                (self._number, customer_id, row.related, existing is not None and key == "id")
            )
        return outcome

    def _referrer(self, row: CustomerRow, file_id: str, *, from_here: bool) -> str | None:
        """Read `referred_by` as the file means it. In a file with ids (our own export), a
        number names the customer of the file's row with that id, whatever id it gets here;
        a vCard names the referrer's card by its UID. A row before this one is known; a
        later one is waited for (returned, and set by `finish`). A row of this very database
        (matched by id) keeps this database's ids."""
        ref = unicodedata.normalize("NFKC", row.raw.values.get("referred_by", "")).strip()
        by_card = ref.startswith(CARD)  # never a name to look up: a card's UID
        if from_here and not by_card:
            return None
        if not by_card and not (file_id and ref.isdigit() and ref.isascii()):
            return None
        if ref in self._by_file_id:
            row.raw.values["referred_by"] = str(self._by_file_id[ref])
            return None
        del row.raw.values["referred_by"]
        return ref

    def _customer_of(self, ref: str, *, from_here: bool) -> int | None:
        """The customer a reference of the file names: a row of the file (its id, or its
        card's UID), a card UID of a customer here (UIDs are the same in every database),
        or with `from_here` this database's id; None when none."""
        if ref in self._by_file_id:
            return self._by_file_id[ref]
        if ref.startswith(CARD):
            if self._uids is None:  # once, and only for a card not in the file
                from crmcli.transfer.vcards import card_uids

                uid_of = card_uids(self.conn)
                ids = [r[0] for r in self.conn.execute("SELECT id FROM customers")]
                self._uids = {uid_of(i): i for i in ids}
            return self._uids.get(ref.removeprefix(CARD))
        if from_here and ref.isdigit() and ref.isascii() and int(ref) < 2**62:
            found = self.conn.execute("SELECT id FROM customers WHERE id = ?", (int(ref),))
            return found.fetchone() and int(ref)
        return None

    def finish(self) -> None:
        """Write the waiting rows; then set the referrers and related people the rows name,
        once every row's customer is known: a reference that cannot be set is said (a
        warning), never guessed, and never fails the import."""
        from crmcli.records import customers

        self._settle()
        self.write_batch()
        for number, customer_id, ref in self._waiting:
            referrer = self._customer_of(ref, from_here=False)
            if referrer is None:
                said = (
                    _(
                        "{row}: referred_by the card {ref} is in neither the file nor "
                        "this database; the customer was imported without it"
                    )
                    if ref.startswith(CARD)
                    else _(
                        "{row}: referred_by {ref} is the id of no row of the file; the "
                        "customer was imported without it"
                    )
                )
                self.summary.warnings.append(
                    said.format(row=row_said(number), ref=ref.removeprefix(CARD))
                )
            elif referrer != customer_id:
                changes = customers.Changes(values={"referred_by": referrer})
                customers.edit_customer(self.conn, customer_id, changes)
        for number, customer_id, items, from_here in self._related:
            links: list[tuple[str, str | None, int | None]] = []
            for relation, name, ref in items:
                other = self._customer_of(ref, from_here=from_here) if ref else None
                if other is not None and other != customer_id:
                    links.append((relation, None, other))
                elif other is None:  # a person who is no customer, or one not found: by name
                    links.append((relation, name, None))
            try:
                with savepoint(self.conn, "import_related"):
                    customers.edit_customer(
                        self.conn, customer_id, customers.Changes(add_related=links)
                    )
            except InvalidInput as exc:
                self.summary.warnings.append(
                    _("{row}: related: {reason}; imported without them").format(
                        row=row_said(number), reason=exc.message
                    )
                )

    def _no_id_in_fields(self, values: dict[str, list[str]], *, card: bool = False) -> None:
        """Refuse the row when a column kept as a user-defined field (--keep-unknown, --map
        COLUMN=field:NAME) holds a national ID number: a field is shown as typed. The number
        is not taken as the customer's own either: an unnamed column may hold someone
        else's (a guarantor's, a spouse's); --map says it is theirs. A vCard's (`card`) is
        named by its property (`X-CRM-FIELD;X-KEY=备注`), as the file says it."""
        from crmcli.records.customers import id_in_field

        for target, items in values.items():
            if target.startswith("field:") and any(
                validate.national_id_in(item, self.now.date()) for item in items
            ):
                column = next((c for c, t in self.mapper._cache.items() if t == target), target[6:])
                where = _("column {column}").format(column=column)
                if card:
                    from crmcli.transfer.vcards import property_of

                    where = _("vCard property {name}").format(name=property_of(target))
                raise InvalidInput(id_in_field(where, f'--map "{column}=national_id"'))

    def _name_of(self, customer_id: int) -> str:
        return str(self.conn.execute("SELECT name FROM customers WHERE id = ?", (customer_id,))
                   .fetchone()[0])  # fmt: skip

    def _namesakes(self, customer_id: int) -> None:
        """Warn when the row renamed `customer_id` to a name another live customer has, as
        `crm edit --name` does (the import goes on: a name is no key)."""
        from crmcli.records import duplicates

        found = duplicates.named_alike(
            self.conn, self._name_of(customer_id), other_than=customer_id
        )
        if found:
            said = duplicates.renamed_warning(customer_id, found)
            self.summary.warnings.append(
                _("{row}: {reason}").format(row=row_said(self._number), reason=said)
            )

    def _not_taken_by_another(self, prepared: Any, customer_id: int) -> None:  # Changes
        """Refuse a row that would give the customer it updates an email or phone another
        live customer has, as `crm edit` does, unless --allow-duplicate."""
        from crmcli.records import duplicates

        if self.options.allow_duplicate:
            return
        found = duplicates.taken(self.conn, prepared, customer_id)
        if found:
            said = _("; ").join(str(t) for t in found[:3])
            raise InvalidInput(
                _("{found}; pass --allow-duplicate to save anyway").format(found=said)
            )

    def _not_taken(self, prepared: Any) -> None:  # Changes
        """Refuse a row that would make a new customer with an email or phone a live
        customer already has (one an earlier row of the file made, too), unless
        --allow-duplicate. A row that matches a customer (--key) updates it instead."""
        from crmcli.records import duplicates

        found = [] if self.options.allow_duplicate else duplicates.taken(self.conn, prepared)
        if found:
            first = found[0]
            made = self._made.get(first.customer_id)  # by an earlier row of this file
            who = (
                _("{name} of {row}").format(name=first.name, row=row_said(made))
                if made
                else _("{name} (#{id})").format(name=first.name, id=first.customer_id)
            )
            key = "email" if "@" in first.value else "phone"
            if current() != "en":  # as the language types it back: `--key 电话`
                key = header(key)
            # what --key would do with the row is what --on-conflict says
            said = {
                "skip": _(
                    "{who} already has {value}; --key {key} skips the row instead (it "
                    "matches that customer), --allow-duplicate adds another"
                ),
                "error": _(
                    "{who} already has {value}; with --key {key} the row matches that "
                    "customer (and --on-conflict error refuses it), --allow-duplicate adds "
                    "another"
                ),
            }.get(self.options.on_conflict)
            said = said or _(
                "{who} already has {value}; --key {key} updates that customer instead, "
                "--allow-duplicate adds another"
            )
            raise InvalidInput(said.format(who=who, value=first.value, key=key))

    def _resolve(self, ref: str) -> int:
        from crmcli.records import refs

        return refs.resolve_cell(self.conn, ref, region=self.options.region)

    def _existing(self, row: CustomerRow, values: dict[str, list[str]]) -> tuple[int | None, str]:
        """The customer this row matches, or None; and the key it matched by.

        By id first (a row of our own export, see `same_record`), else by the --key field
        (external_id in the default mode).
        """
        found_id = self.same_record(_one(values, "id"), _one(values, "created_at"))
        if found_id is not None or self.options.key == "id":
            return found_id, "id"
        key = "external_id" if self.options.key == AUTO else self.options.key
        return self._by_key(row, key), key

    def _by_key(self, row: CustomerRow, key: str) -> int | None:
        """The customer this row matches by `key` (external_id, email or phone), or None."""
        conn = self.conn
        if key == "external_id":
            value = row.raw.values.get("external_id")
            if value is None:
                return None
            found = conn.execute(_BY_KEY[key], (validate.text(key, value),)).fetchall()
        elif key == "email":
            if not row.raw.emails:
                return None
            email_key = validate.email(row.raw.emails[0])[1]
            found = conn.execute(_BY_KEY[key], (email_key,)).fetchall()
        else:
            home = validate.country_region(row.raw.values.get("country"))
            numbers = [validate.phone(p, self.options.region, home=home) for p in row.raw.phones]
            # A service number (10086) is in many phone books: the row's first real number
            # names the customer; a service number only a row that has nothing else.
            phone = next((n for n in numbers if n.startswith("+")), numbers[0] if numbers else None)
            if phone is None:
                return None
            found = conn.execute(_BY_KEY[key], (phone,)).fetchall()
        if len(found) > 1:
            ids = ", ".join(str(r[0]) for r in found)
            raise InvalidInput(
                _("the {key} matches several customers ({ids}); use another --key").format(
                    key=word("field", key), ids=ids
                )
            )
        return found[0][0] if found else None


_TRUE = {"true", "yes", "y", "1", "是", "t", "ja", "oui", "sí", "si"}  # a German, French,
_FALSE = {"false", "no", "n", "0", "否", "f", "", "nein", "non"}  # Spanish sheet's too


def truth(text: str | None, name: str) -> bool:
    if text is None:
        return False
    word = text.strip().casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidInput(
        _("{name} must be yes or no (yes, true, 1, 是 or no, false, 0, 否), not {text!r}").format(
            name=name, text=text
        )
    )


def _missing(message: str) -> Callable[[], None]:
    """A check that refuses a row for what it lacks (no text, no item), for `_refusals`."""

    def refuse() -> None:
        raise InvalidInput(message)

    return refuse


def _refusals(
    checks: list[Callable[[], Any]],
    said: Callable[[InvalidInput | NotFound], str] = lambda exc: exc.message,
) -> list[str]:
    """What each check refuses, in order (a refused row's fields, each checked alone), as
    `said` says it."""
    found = []
    for check in checks:
        try:
            check()
        except (InvalidInput, NotFound) as exc:
            found.append(said(exc))
    return found


# `1.000`, `-12.500`, `€2.500`: a dot before three digits, as a thousands group is written
# where a comma is the decimal mark, the last a zero, which crm takes as extra zeros
# (PurchaseImporter.grouped; `1.234` is refused anyway where the currency has 2 decimals).
_GROUPED = re.compile(r"[^\d.,]*?([+-]?[1-9]\d{0,2})\.(\d\d0)[^\d.,]*")  # 0.500: no group


class PurchaseImporter(Importer):
    """Purchases, fast: no savepoints (a line is validated whole before it is batched)."""

    kind = "purchases"

    def __init__(self, conn: sqlite3.Connection, mapper: Mapper, options: Options) -> None:
        from crmcli.records.config import get_setting

        super().__init__(conn, mapper, options)
        currency = get_setting(conn, "default_currency") or "CNY"
        self.context = purchases.LineContext(
            conn, now=self.now, default_currency=currency, dated=True
        )
        self.batch: list[Any] = []
        self.decimal_comma = False  # a CSV file separated by `;` (see `grouped`)

    def run(self, records: Iterable[tuple[int, Record]]) -> Summary:
        """A CSV file is imported by sets (crmcli.transfer.purchase_sets); other input one
        record at a time."""
        from crmcli.transfer import purchase_sets
        from crmcli.transfer.sources import Rows

        if isinstance(records, Rows):
            self._last_id = self.last_id()
            self.header = tuple(records.columns)
            self.decimal_comma = records.delimiter == ";"
            targets = self.mapper.unread(records.columns)
            if "customer" not in targets:  # said once for the file, not on every row
                raise InvalidInput(self.no_customer())
            if purchase_sets.columns_fit(targets):
                purchase_sets.run(self, records)
                self.summary.ignored = list(self.mapper.ignored)
                self.summary.numbering = list(self.mapper.numbering)
                return self.summary
        return super().run(records)

    def row(self, number: int, record: Record) -> None:
        line = self.checked(number, record)
        if line is None:
            return
        if self.summary.rejected and not self.options.skip_invalid:
            return  # nothing will be written: validate the rest, store nothing
        self.batch.append(line)
        if len(self.batch) >= BATCH:
            self.finish()

    def checked(self, number: int, record: Record) -> Any:
        """The line of a new row (counted as inserted), or None: a row that is a line
        already here (updated or skipped by --on-conflict, and counted), or a rejected one."""
        try:
            values = gather_first(self.mapper, record)
            if (no_date := self.undated(record, values, "purchased_at")) is not None:
                raise InvalidInput(no_date)
            line = self.line(values, record)
            if "id" in values:  # a row of our own export may be a line already here
                existing = self.same_record(values["id"], values.get("created_at"))
                if existing is not None:
                    outcome = self.again(existing, line)
                    setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
                    return None
        except (InvalidInput, NotFound) as exc:
            self.reject(number, record, exc.message)
            return None
        self.summary.inserted += 1
        return line

    def again(self, purchase_id: int, line: Any) -> str:
        """A row that is line `purchase_id` again: --on-conflict says what to do."""
        if self.options.on_conflict == "skip":
            return "unchanged"
        if self.options.on_conflict == "error":
            raise InvalidInput(
                _("purchase {id} is already here (the row's id)").format(id=purchase_id)
            )
        values = {
            "customer_id": line.customer_id, "product_id": line.product_id, "item": line.item,
            "category": line.category, "quantity": line.quantity,
            "unit_price_minor": line.unit_price_minor, "amount_minor": line.amount.minor,
            "currency": line.amount.currency, "purchased_at": line.purchased_at,
            "payment": line.payment, "order_ref": line.order_ref, "note": line.note,
        }  # fmt: skip
        if not line.purchased_at:  # no date in the row: keep the line's
            del values["purchased_at"]
        changed = purchases.update_purchase(self.conn, purchase_id, values)
        return "updated" if changed else "unchanged"

    def line(self, values: dict[str, str], record: Record | None = None) -> Any:
        get = values.get
        ref = get("customer")
        if ref is None:
            raise InvalidInput(self.no_customer())
        customer_id = self._customers.get(ref) or self.customer({"customer": [ref]})
        also = get(ALSO)
        if also is not None and also != ref:
            self.agree(customer_id, ref, also)
        item = get("item")
        if item is None:
            raise InvalidInput(_("no item: say what was bought"))
        for name in ("amount", "unit_price"):
            self.grouped(get(name))
        said = get("is_refund")
        refund = self.refund(said)
        if not refund:
            self.unrefunded(get("amount"), said, get("currency"), record)
        qty = get("quantity")
        raw = purchases.LineInput(
            item=item,
            amount=get("amount"),
            quantity=purchases.parse_quantity(qty) if qty is not None else None,
            unit_price=get("unit_price"),
            at=get("purchased_at"),
            category=get("category"),
            currency=get("currency"),
            payment=get("payment"),
            order=get("order_ref"),
            note=get("note"),
            refund=refund,
        )
        return purchases.prepare_line(self.context, customer_id, raw)

    def problems(self, record: Record) -> list[str]:
        from crmcli.core import money

        values, context = gather_first(self.mapper, record), self.context
        partial = functools.partial
        get = values.get
        checks: list[Callable[[], Any]] = []
        if get("customer") is not None:
            checks.append(partial(self.customer, {"customer": [get("customer")]}))
        else:
            checks.append(_missing(self.no_customer()))
        if get("item") is None:
            checks.append(_missing(_("no item: say what was bought")))
        if (no_date := self.undated(record, values, "purchased_at")) is not None:
            checks.append(_missing(no_date))
        explicit = None
        if get("currency") is not None:
            checks.append(partial(money.currency_code, get("currency")))
            with contextlib.suppress(InvalidInput):
                explicit = money.currency_code(get("currency"))
        product = context.product(get("item")) if get("item") is not None else None
        price = product["currency"] if product and product["price_minor"] is not None else None
        code = explicit or price or context.default_currency
        for name in ("amount", "unit_price"):
            if get(name) is not None:
                checks.append(partial(money.parse, get(name), explicit, default=code))
                checks.append(partial(self.grouped, get(name)))
        if get("amount") is not None and get("is_refund") is not None:
            checks.append(
                partial(self.unrefunded, get("amount"), get("is_refund"), explicit, record)
            )
        said = {
            "item": context.item, "quantity": purchases.parse_quantity, "purchased_at":
            context.time, "category": context.category, "payment": context.payment,
            "order_ref": partial(validate.text, "order"), "is_refund": self.refund,
            "note": partial(validate.text, "note", multiline=True),
        }  # fmt: skip
        checks += [partial(check, get(n)) for n, check in said.items() if get(n) is not None]
        return _refusals(checks)

    def grouped(self, text: str | None) -> None:
        """Refuse an amount of a file separated by `;` that reads two ways (InvalidInput):
        Excel writes `;` where a comma is the decimal mark and a dot groups thousands, so
        `1.000` there is a thousand, which crm read as 1.00 (extra zeros are accepted)."""
        if text is None or not self.decimal_comma:
            return
        found = _GROUPED.fullmatch(unicodedata.normalize("NFKC", text).strip())
        if found is not None:
            raise InvalidInput(
                _(
                    "amount {text!r} reads two ways in a file separated by ';', where a dot "
                    "groups thousands: write {whole} or {plain}"
                ).format(
                    text=text.strip(),
                    whole=found[1] + found[2],
                    plain=f"{found[1]}.{found[2].rstrip('0')}".rstrip("."),
                )
            )

    def unrefunded(
        self, amount: str | None, said: str | None, currency: str | None, record: Record | None
    ) -> None:
        """Refuse a negative amount whose is_refund cell says no (InvalidInput), naming the
        column (of `record`, a JSON record's own key): the line would be a refund that its
        own row says it is not. An empty cell says nothing."""
        from crmcli.core import money

        if amount is None or said is None or said.strip().casefold() not in _FALSE - {""}:
            return  # nothing said, a refund, or no yes or no (said by the cell's own check)
        try:
            explicit = money.currency_code(currency) if currency is not None else None
            given = money.parse(amount, explicit, default=self.context.default_currency)
        except InvalidInput:  # an amount or currency that does not read: said by its check
            return
        if given.minor >= 0:
            return
        target = self.mapper.target  # the record's own column, the first given (as read)
        keys = (
            c for c, v in (record or {}).items() if v not in (None, "") and target(c) == "is_refund"
        )
        column = next(keys, self.column("is_refund"))
        said_no = _(
            "amount {amount!r} is negative, a refund, but its {column!r} cell says {said!r}: "
            "drop the minus sign, or mark the row a refund"
        )
        raise InvalidInput(said_no.format(amount=amount.strip(), column=column, said=said.strip()))

    def refund(self, text: str | None) -> bool:
        """Whether an is_refund cell says the line is a refund; raises InvalidInput naming
        the file's column."""
        return truth(text, self.column("is_refund"))

    def finish(self) -> None:
        if self.batch:
            purchases.add_purchases(self.conn, self.batch)
            self.batch = []


class InteractionImporter(Importer):
    """Interactions: a CSV file by sets (crmcli.transfer.interaction_sets), other input one
    record at a time. A new one is checked whole and written with others in one executemany
    (nothing of it is written before every check passed, so it needs no savepoint); a row
    of our own export, which may be an interaction already here, is updated in place."""

    kind = "interactions"

    def __init__(self, conn: sqlite3.Connection, mapper: Mapper, options: Options) -> None:
        from crmcli.records import customers

        super().__init__(conn, mapper, options)
        self._memo = customers.Memo()  # the same text, kind and time checked once
        self._batch: list[tuple[Any, ...]] = []
        # told how many rows the import will have added once a batch is written: past many,
        # the table's indexes are set aside (run_import gives crmcli.store.indexes.growing)
        self.adding: Callable[[int], None] = lambda count: None

    def run(self, records: Iterable[tuple[int, Record]]) -> Summary:
        """A CSV file is imported by sets (crmcli.transfer.interaction_sets); other input one
        record at a time."""
        from crmcli.transfer import interaction_sets
        from crmcli.transfer.sources import Rows

        if isinstance(records, Rows):
            self._last_id = self.last_id()
            self.header = tuple(records.columns)
            targets = self.mapper.unread(records.columns)
            if "customer" not in targets:  # said once for the file, not on every row
                raise InvalidInput(self.no_customer())
            if interaction_sets.columns_fit(targets):
                interaction_sets.run(self, records)
                self.summary.ignored = list(self.mapper.ignored)
                self.summary.numbering = list(self.mapper.numbering)
                return self.summary
        return super().run(records)

    def row(self, number: int, record: Record) -> None:
        line = self.line(number, record)
        if line is not None:
            self._batch.append(line)
            if len(self._batch) >= BATCH:
                self.finish()

    def line(self, number: int, record: Record, stamp: str | None = None) -> Any:
        """The row of a new interaction (counted as inserted; `stamp` its created_at, and its
        moment when the row gives none: now by default), or None: a row that is an
        interaction already here (updated or skipped by --on-conflict, and counted), or a
        rejected one."""
        try:
            values = gather(self.mapper, record)
            customer_id, prepared = self.checked(values)
            if (no_date := self.undated(record, values, "occurred_at")) is not None:
                raise InvalidInput(no_date)
            if "id" in values:  # a row of our own export may be an interaction already here
                existing = self.same_record(_one(values, "id"), _one(values, "created_at"))
                if existing is not None:
                    with savepoint(self.conn, "import_row"):
                        outcome = self.again(existing, customer_id, prepared)
                    setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
                    return None
        except (InvalidInput, NotFound) as exc:
            self.reject(number, record, exc.message)
            return None
        if stamp is None:
            stamp = clock.timestamp()
        get = prepared.get
        self.summary.inserted += 1
        return (
            customer_id, get("kind"), get("text"), get("occurred_at") or stamp, get("direction"),
            get("duration_minutes"), get("channel"), get("outcome"), stamp, stamp,
        )  # fmt: skip

    def finish(self) -> None:
        """Write the waiting interactions, in file order."""
        from crmcli.transfer.interaction_sets import INSERT_INTERACTION

        if self._batch:
            self.adding(self.summary.inserted)  # the batch's rows are counted in it
            self.conn.executemany(
                f"{INSERT_INTERACTION} VALUES ({', '.join('?' * 10)})", self._batch
            )
            self._batch = []

    def checked(self, values: dict[str, list[str]]) -> tuple[int, Any]:
        """(customer id, checked values) of a row; raises InvalidInput or NotFound."""
        customer_id = self.customer(values)
        given = tuple(_one(values, t) for t in _INTERACTION_FIELDS)
        kind, text = given[0], given[1]
        if kind is None:
            raise InvalidInput(_("no kind: call, email, meeting, visit, message or note"))
        if text is None:
            raise InvalidInput(_("no text: say what happened"))
        prepared: dict[str, Any] = {}
        for target, value in zip(_INTERACTION_FIELDS, given, strict=True):
            if value is not None:  # each field alone, in prepare's order: its first refusal
                prepared.update(self._memo(self._prepare, target, value))
        return customer_id, prepared

    def problems(self, record: Record) -> list[str]:
        values = gather(self.mapper, record)
        checks: list[Callable[[], Any]] = [functools.partial(self.customer, values)]
        if _one(values, "kind") is None:
            checks.append(_missing(_("no kind: call, email, meeting, visit, message or note")))
        if _one(values, "text") is None:
            checks.append(_missing(_("no text: say what happened")))
        if (no_date := self.undated(record, values, "occurred_at")) is not None:
            checks.append(_missing(no_date))
        for target in _INTERACTION_FIELDS:
            value = _one(values, target)
            if value is not None:
                checks.append(functools.partial(self._prepare, target, value))
        return _refusals(checks)

    def _prepare(self, target: str, value: str) -> Any:
        """The checked column values of one field of a row (interactions.prepare checks
        each field by itself)."""
        from crmcli.records import interactions

        raw = interactions.InteractionInput(**{_INTERACTION_INPUT[target]: value})
        named = {  # a refusal names the file's column, not crm log's option
            field: self.mapper.column_of(target) or target
            for field, target in (("at", "occurred_at"), ("duration", "duration"))
        }
        prepared = interactions.prepare(raw, now=self.now, named=named)
        if target == "occurred_at":  # a time of day alone is no day of the import's
            _with_day(value, prepared["occurred_at"], self.now)
        return prepared

    def again(self, interaction_id: int, customer_id: int, prepared: Any) -> str:
        """A row that is interaction `interaction_id` again: --on-conflict says what to do."""
        from crmcli.records import interactions

        if self.options.on_conflict == "skip":
            return "unchanged"
        if self.options.on_conflict == "error":
            raise InvalidInput(
                _("interaction {id} is already here (the row's id)").format(id=interaction_id)
            )
        changed = interactions.edit_interaction(
            self.conn, interaction_id, prepared, customer_id=customer_id
        )
        return "updated" if changed else "unchanged"


# A row's targets in the order interactions.prepare checks them, and InteractionInput's
# name of each.
_INTERACTION_INPUT = {
    "kind": "kind", "text": "text", "occurred_at": "at", "direction": "direction",
    "duration": "duration", "channel": "channel", "outcome": "outcome",
}  # fmt: skip
_INTERACTION_FIELDS = tuple(_INTERACTION_INPUT)


class TaskImporter(Importer):
    kind = "tasks"
    timed = 0  # rows whose due day came with a time of day, which a task does not keep

    def _done_at(self, text: str) -> str:
        """The stored moment a task was done at (a time of day alone refused)."""
        from crmcli.core import dates

        done = dates.parse_datetime(text, self.now, direction="past").replace(microsecond=0)
        _with_day(text, done.isoformat(), self.now)
        return done.isoformat()

    def finish(self) -> None:
        if self.timed:  # as `crm task add --due 明天下午3点` says it, once for the file
            self.summary.warnings.append(
                _("due_on kept the day only: the time of day in {rows} is not kept").format(
                    rows=plural(self.timed, "row").said()
                )
            )

    def problems(self, record: Record) -> list[str]:
        from crmcli.core import dates
        from crmcli.records import tasks

        values, partial, today = gather(self.mapper, record), functools.partial, self.now.date()
        said = {
            "text": tasks.task_text,
            "due_on": partial(dates.parse_date, today=today, direction="future"),
            "every": partial(dates.parse_period, option=self.column("every"), repeat=True),
            "after": partial(dates.parse_period, option=self.column("after"), repeat=True),
            "done_at": self._done_at,
        }
        checks: list[Callable[[], Any]] = [partial(self.customer, values)]
        if _one(values, "text") is None:
            checks.append(_missing(_("no text: say what to do")))
        for name, check in said.items():
            if (value := _one(values, name)) is not None:
                checks.append(partial(check, value))
        return _refusals(checks)

    def one(self, record: Record) -> str:
        from crmcli.core import dates
        from crmcli.records import tasks

        values = gather(self.mapper, record)
        customer_id = self.customer(values)
        text = _one(values, "text")
        if text is None:
            raise InvalidInput(_("no text: say what to do"))
        clean = tasks.task_text(text)
        today = self.now.date()
        due = dates.parse_date(_one(values, "due_on") or "today", today, direction="future")
        self.timed += dates.names_time(_one(values, "due_on") or "")
        every_text, after_text = _one(values, "every"), _one(values, "after")
        every = (
            dates.parse_period(every_text, option=self.column("every"), repeat=True)
            if every_text
            else None
        )
        after = (
            dates.parse_period(after_text, option=self.column("after"), repeat=True)
            if after_text
            else None
        )
        done = _one(values, "done_at")
        done_at = None
        if done is not None:
            done_at = self._done_at(done)
        existing = self.same_record(_one(values, "id"), _one(values, "created_at"))
        if existing is not None:
            return self.again(existing, customer_id, clean, due, every, after, done_at)
        task_id = tasks.add_task(self.conn, customer_id, clean, due, every=every, after=after)
        if done_at is not None:
            self.conn.execute("UPDATE tasks SET done_at = ? WHERE id = ?", (done_at, task_id))
        return "inserted"

    def again(self, task_id: int, customer_id: int, text: str, due: Any, every: Any,
              after: Any, done_at: str | None) -> str:  # fmt: skip
        """A row that is task `task_id` again: --on-conflict says what to do. Only what
        differs is passed on, so an unchanged recurring task keeps its anchor."""
        from crmcli.records import tasks

        if self.options.on_conflict == "skip":
            return "unchanged"
        if self.options.on_conflict == "error":
            raise InvalidInput(_("task {id} is already here (the row's id)").format(id=task_id))
        task = tasks.get_task(self.conn, task_id, today=self.now.date())
        changes = tasks.TaskChanges(
            text=text if text != task["text"] else None,
            due_on=due if due.isoformat() != task["due_on"] else None,
            every=every if every is not None and str(every) != task["every"] else None,
            after=after if after is not None and str(after) != task["repeat_after"] else None,
        )
        changed = tasks.edit_task(
            self.conn,
            task_id,
            changes,
            today=self.now.date(),
            customer_id=customer_id if customer_id != task["customer_id"] else None,
        )
        if done_at is not None and done_at != task["done_at"]:
            self.conn.execute("UPDATE tasks SET done_at = ? WHERE id = ?", (done_at, task_id))
            changed = True
        return "updated" if changed else "unchanged"


IMPORTERS: dict[str, type[Importer]] = {
    "customers": CustomerImporter,
    "purchases": PurchaseImporter,
    "interactions": InteractionImporter,
    "tasks": TaskImporter,
}


GC_ROWS = 10_000


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the garbage collector's young-generation pass every GC_ROWS allocations
    instead of every 700: the checked rows waiting to be written are many live objects
    that each pass walks again, about 7 % of the CPU of a customer import. Cycles are
    still collected; the old threshold is back after the block."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], GC_ROWS), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def run_import(
    conn: sqlite3.Connection,
    kind: str,
    records: Iterable[tuple[int, Record]],
    mapper: Mapper,
    options: Options,
) -> Summary:
    """Import `records` of `kind` inside the caller's transaction; returns the summary.

    Raises InvalidInput (listing the first rejections) when a row was rejected and
    `options.skip_invalid` is off: the caller's transaction then rolls everything back.
    """
    if options.key not in (*KEYS, AUTO):
        # A column of the file named by --key: what that column is read as (a sheet's
        # `编号` is its own number, read as external_id), before crm's word for a field
        # (`编号` is crm's id in a listing).
        typed = header_key(options.key)
        read = (t for c, t in mapper._cache.items() if header_key(c) == typed)
        named = next(read, None) or ""
        if not named and CUSTOMER_ALIASES.get(typed) in ("mobile", "phone", "email"):
            # a phone's or an email's header crm knows, in the file or not (`手机`, `手机号`,
            # `电子邮件`): what the user calls the column to match by
            named = CUSTOMER_ALIASES[typed]
        named = "phone" if named == "mobile" else named
        if named in KEYS:
            options.key = named
    if options.key not in (*KEYS, AUTO):  # a field's header is its key too: `--key 邮箱`
        options.key = chosen(options.key, KEYS) or ""
        if not options.key:
            raise InvalidInput(_("--key must be one of: {keys}").format(keys=choices_glossed(KEYS)))
    if options.on_conflict not in CONFLICTS:  # or its word: `--on-conflict 跳过`
        options.on_conflict = chosen(options.on_conflict, CONFLICTS) or ""
        if not options.on_conflict:
            raise InvalidInput(
                # each with the word `--help` says for it (更新), not another column's (修改)
                _("--on-conflict must be one of: {choices}").format(
                    choices=glossed("on_conflict", list(CONFLICTS))
                )
            )
    importer = IMPORTERS[kind](conn, mapper, options)
    # A 32 MiB page cache (SQLite's default is 2 MiB) keeps the indexes being filled in
    # memory for the whole transaction: about a tenth less CPU at a million rows, and a
    # fixed cost whatever the file's size.
    conn.execute("PRAGMA cache_size = -32768")
    # Many rows: one history entry per table for the rows it appends, not one per row.
    from crmcli.store.history import bulk_insert

    if kind == "purchases":
        from crmcli.store import queues
        from crmcli.store.search import appending

        with (
            bulk_insert(conn, "purchases"),
            appending(conn, "purchases"),
            queues.appending(conn, "purchases"),
        ):
            summary = importer.run(records)
            options.progress.phase(_("indexing for search"))
    elif kind == "interactions":
        from crmcli.store import queues
        from crmcli.store.indexes import growing
        from crmcli.store.search import appending

        with (
            bulk_insert(conn, "interactions"),
            appending(conn, "interactions"),
            queues.appending(conn, "interactions"),
            growing(conn, "interactions") as adding,
        ):
            if isinstance(importer, InteractionImporter):
                importer.adding = adding
            summary = importer.run(records)
            options.progress.phase(_("indexing for search"))
    elif kind == "customers":
        # The history by table is set up at the first write, not before the rows are read:
        # an import whose rows are all refused (a bad cell) writes nothing and sets nothing
        # up, about a hundred statements (DDL, each reading the schema again) fewer.
        with contextlib.ExitStack() as machinery, _fewer_collections():
            if isinstance(importer, CustomerImporter):
                importer.arm = functools.partial(
                    machinery.enter_context,
                    bulk_insert(conn, *CUSTOMER_CHILDREN, parents=("customers", "tags")),
                )
            summary = importer.run(records)
    else:
        summary = importer.run(records)
    # a file's columns are in every row, a JSON record's keys not
    summary.read_first = mapper.read_first(mapper.seen(), header=isinstance(records, Rows))
    if summary.rejected and not options.skip_invalid:
        said = (
            _(
                "{count} of {total} cards are invalid; nothing was imported (fix them, or add "
                "--skip-invalid to import the rest)"
            )
            if summary.unit == "card"
            else _(
                "{count} of {total} rows are invalid; nothing was imported (fix them, or add "
                "--skip-invalid to import the rest)"
            )
        )
        raise InvalidInput(
            said.format(count=summary.rejected, total=summary.rows),
            [*summary.problems, *_ignored_said(mapper)],
        )
    return summary


def _ignored_said(mapper: Mapper) -> list[str]:
    """The columns read as nothing, said under a refused import's rows: often why they are
    refused (a file of 名称 and 电话 whose rows all lack a name)."""
    if not mapper.ignored:
        return []
    said = _("Ignored columns: {columns} (map them with --map COLUMN=FIELD)")
    return [said.format(columns=columns_said(mapper.ignored, mapper.seen()))]
