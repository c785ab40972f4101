"""A synthetic but believable receivables ledger, as an ERP would export it.

    python -m bench.generate --invoices 100000 [--customers M] [--seed S]
                             [--as-of 2026-11-23] [--out ledger.csv]

The output uses the importer's canonical column names, so `arcircle import` needs no mapping.
Everything comes from one `random.Random(seed)`: the same arguments always give the same bytes.
Rows are written as they are made (sorted by issue date, as ERP exports are): a million rows
take about 15 s and under 100 MB, most of it the 100,000 customers.

How the ledger is made:

* Customers get a code (C00001...), a unique Chinese or English company name, a segment
  (important / normal / problem), one owner, one currency, usual payment terms, a typical
  invoice size and a payment profile correlated with the segment: prompt (pays around the due
  date), slow (pays 10-60 days late, each customer at its own pace) or problem (pays part,
  very late or never).
* Invoice issue dates cover the 24 months before the as-of date, more of them recently;
  weekend dates mostly move to the Friday before. Numbers run per year in date order.
* Each invoice is paid (or not) by the customer's profile; anything the profile would pay
  after the as-of date is still open on it, possibly with a part payment. That alone yields
  the aging of a real book: about 17 % of the rows are open, and of those about 50 % are not
  yet due, 23 % 1-30 days late, 13 % 31-90, 9 % 91-365 and 5 % over a year, the oldest
  mostly owed by problem customers. (With 60/90-day terms common, "not yet due" cannot shrink
  much further without making every customer late.)
* About 1 % are credit notes (CN-YYYY-NNNNNN, negative amounts), nearly all applied.
* Disputed: about 5 % of the open items and 3 % of the paid ones.
"""

from __future__ import annotations

import argparse
import io
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from statistics import NormalDist
from typing import IO

COLUMNS: tuple[str, ...] = (
    "invoice_no", "customer", "customer_name", "segment", "owner", "issue_date", "due_date",
    "terms_days", "currency", "amount", "paid_amount", "settled_date", "disputed",
    "description",
)  # fmt: skip
DEFAULT_AS_OF = date(2026, 11, 23)
OWNERS: tuple[str, ...] = ("wang.wei", "zhang.min", "tom.baker")
SEGMENTS: tuple[str, ...] = ("important", "normal", "problem")
TERMS: tuple[int, ...] = (30, 45, 60, 90)
# 1 unit of the currency in CNY: the same rates as the example config.yaml.
FX: dict[str, Decimal] = {
    "CNY": Decimal(1),
    "USD": Decimal("7.10"),
    "EUR": Decimal("7.70"),
    "HKD": Decimal("0.91"),
    "JPY": Decimal("0.047"),
}
PLACES: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0}
MIN_CNY = 2_000  # invoice amounts, CNY-equivalent
MAX_CNY = 2_000_000
HISTORY_DAYS = 730
CREDIT_NOTE_SHARE = 0.01
NEVER = 10**6  # a delay no as-of date reaches

# --------------------------------------------------------------------------------------------
# Names

_CITIES = (
    "上海", "北京", "深圳市", "广州", "杭州", "宁波", "苏州", "无锡", "常州", "南京", "天津",
    "青岛", "厦门", "福州", "东莞", "佛山", "中山", "珠海", "温州", "台州", "绍兴", "嘉兴",
    "合肥", "武汉", "长沙", "成都", "重庆", "西安", "郑州", "济南", "烟台", "大连", "沈阳",
    "昆山", "义乌", "泉州", "惠州", "江门", "南通", "扬州",
)  # fmt: skip
_BRAND = (
    "华", "东", "恒", "通", "鑫", "达", "瑞", "丰", "盛", "宏", "远", "兴", "海", "天", "金",
    "源", "博", "凯", "嘉", "泰", "安", "德", "信", "永", "隆", "新", "联", "创", "力", "明",
    "中", "美", "佳", "和", "润", "益", "正", "顺", "昌", "精",
)  # fmt: skip
_CN_INDUSTRY = (
    "机械", "电子科技", "塑业", "五金制品", "精密模具", "自动化设备", "包装材料", "化工",
    "电气", "汽车配件", "新材料", "光电", "纺织", "医疗器械", "物流", "贸易", "液压设备",
    "轴承", "不锈钢制品", "电机", "工业技术", "金属制品", "橡胶制品", "仪器仪表", "数控设备",
    "环保科技", "照明电器", "铸造", "钢结构", "智能装备",
)  # fmt: skip
_CN_SUFFIX = ("有限公司", "有限公司", "有限公司", "股份有限公司")

_EN_WORDS = (
    "Northwind", "Summit", "Pacific", "Atlas", "Redwood", "Bluewater", "Silverline", "Keystone",
    "Harbor", "Granite", "Meridian", "Evergreen", "Crescent", "Ironbridge", "Lakeside",
    "Westfield", "Oakridge", "Pinnacle", "Horizon", "Riverside", "Sterling", "Falcon", "Orion",
    "Vanguard", "Beacon", "Cobalt", "Highland", "Eastgate", "Northstar", "Clearwater", "Apex",
    "Bridgeport", "Cedar", "Delta", "Elmstead", "Foxglove", "Greystone", "Hawthorne", "Kingsway",
    "Linden", "Maple", "Newbury", "Osprey", "Portland", "Quarry", "Rockford", "Seaview", "Trident",
)  # fmt: skip
_SURNAMES = (
    "Baker", "Miller", "Walker", "Fischer", "Schmidt", "Weber", "Dubois", "Moreau", "Rossi",
    "Jensen", "Hughes", "Turner", "Carter", "Murphy", "Becker", "Keller", "Wagner", "Lambert",
    "Fraser", "Morgan", "Brooks", "Hoffmann", "Larsen", "Bianchi", "Collins", "Schneider",
    "Meyer", "Girard", "Bennett", "Dawson", "Harper", "Lindqvist", "Novak", "Perrin", "Wright",
)  # fmt: skip
_JP_WORDS = (
    "Sakura", "Fuji", "Hikari", "Nippon", "Tokai", "Kansai", "Yamato", "Asahi", "Daiichi",
    "Shinwa", "Kyowa", "Taiyo", "Hokuto", "Meiwa", "Sanko", "Chuo", "Toyo", "Nikko", "Shinko",
    "Marui", "Kosei", "Yamada", "Takara", "Heiwa",
)  # fmt: skip
_EN_INDUSTRY = (
    "Industrial", "Precision", "Electronics", "Machinery", "Components", "Plastics", "Metals",
    "Automation", "Engineering", "Tooling", "Fasteners", "Hydraulics", "Packaging", "Controls",
    "Motion", "Polymers", "Instruments", "Castings", "Bearings", "Systems", "Robotics", "Optics",
    "Materials", "Power", "Fluid", "Sensor", "Steel", "Cable", "Valve", "Laser",
)  # fmt: skip
_EN_KIND = (
    "Supply", "Distribution", "Trading", "Manufacturing", "Solutions", "Technologies",
    "Products", "Works", "Group", "Partners", "Industries", "International", "Holdings",
)  # fmt: skip
# Foreign companies often buy through their China subsidiary: "... (Suzhou) Co., Ltd."
_CN_CITIES_EN = (
    "Shanghai", "Suzhou", "Shenzhen", "Guangzhou", "Tianjin", "Kunshan", "Ningbo", "Wuxi",
    "Dalian", "Qingdao", "Xiamen", "Chengdu", "Wuhan", "Beijing",
)  # fmt: skip
# (legal suffixes, weights of each currency) per origin of an English-named customer.
_ORIGINS: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "uk": (("Ltd", "Limited", "PLC"), {"CNY": 0.60, "USD": 0.28, "EUR": 0.12}),
    "us": (("Inc.", "LLC", "Corp."), {"CNY": 0.55, "USD": 0.45}),
    "de": (("GmbH", "AG", "GmbH & Co. KG"), {"CNY": 0.55, "EUR": 0.45}),
    "fr": (("S.A.S.", "S.A.", "SARL"), {"CNY": 0.55, "EUR": 0.45}),
    "jp": (("K.K.", "Co., Ltd.", "Corporation"), {"CNY": 0.50, "JPY": 0.50}),
    "hk": (("Limited", "(HK) Limited", "Company Limited"), {"CNY": 0.45, "HKD": 0.55}),
    "sg": (("Pte. Ltd.", "Pte Ltd", "Asia Pte. Ltd."), {"CNY": 0.60, "USD": 0.40}),
}


def _chinese_name(rng: random.Random) -> str:
    brand = "".join(rng.sample(_BRAND, 2))
    return rng.choice(_CITIES) + brand + rng.choice(_CN_INDUSTRY) + rng.choice(_CN_SUFFIX)


def _english_name(rng: random.Random, origin: str) -> str:
    suffix = rng.choice(_ORIGINS[origin][0])
    style = rng.random()
    if origin == "jp":
        word = rng.choice(_JP_WORDS)
        if style < 0.3:
            word += " " + rng.choice(_JP_WORDS)
        core = f"{word} {rng.choice(_EN_INDUSTRY)}"
        if style > 0.6:
            core += " " + rng.choice(_EN_KIND)
    elif style < 0.15:
        core = f"{rng.choice(_SURNAMES)} & Sons {rng.choice(_EN_KIND)}"
    elif style < 0.3:
        a, b = rng.sample(_SURNAMES, 2)
        core = f"{a} & {b} {rng.choice(_EN_INDUSTRY)}"
    else:
        core = f"{rng.choice(_EN_WORDS)} {rng.choice(_EN_INDUSTRY)} {rng.choice(_EN_KIND)}"
    if rng.random() < 0.25 and origin != "hk":
        return f"{core} ({rng.choice(_CN_CITIES_EN)}) Co., Ltd."
    return f"{core} {suffix}"


# --------------------------------------------------------------------------------------------
# Descriptions

_PRODUCTS = (
    "CNC 主轴 spindle parts", "注塑模具 mould repair", "液压缸 hydraulic cylinders",
    "不锈钢法兰 stainless flanges", "伺服电机 servo motors", "PLC 控制柜 control cabinet",
    "精密轴承 precision bearings", "铝合金压铸件 die castings", "传感器 sensors",
    "气动元件 pneumatic fittings", "齿轮箱 gearbox overhaul", "包装膜 packaging film",
    "线束 wire harness", "紧固件 fasteners", "钣金加工 sheet metal work",
    "模具钢 tool steel", "变频器 inverters", "输送线 conveyor line", "夹具 jigs and fixtures",
    "检测服务 inspection service", "备件 spare parts", "安装调试 installation & commissioning",
    "年度维保 annual maintenance", "运费 freight", "Spindle bearings", "Mould base plates",
    "Hydraulic hose assemblies", "Injection moulding resin", "Calibration service",
    "Robot gripper set", "Linear guides", "Copper busbars",
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Customers


@dataclass(frozen=True, slots=True)
class Customer:
    code: str
    name: str
    segment: str
    owner: str
    currency: str
    terms: int
    profile: str  # prompt / slow / problem
    lateness: int  # a slow payer's usual days late
    size: float  # log of the typical invoice, CNY-equivalent
    # precomputed for the hot loop
    head: str  # "code,name,segment,owner" as CSV
    places: int
    rate: float
    lo: int  # MIN_CNY and MAX_CNY in minor units of the currency
    hi: int


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    r = rng.random() * sum(weights.values())
    for key, w in weights.items():
        r -= w
        if r < 0:
            return key
    return key


def _q(text: str) -> str:
    """One CSV field, quoted the way csv.writer does (QUOTE_MINIMAL)."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def _alias_table(weights: list[float]) -> tuple[list[float], list[int]]:
    """Walker's alias method: picking index i with probability weights[i] / sum(weights) then
    costs one random number and two lookups, whatever the number of weights."""
    n = len(weights)
    total = sum(weights)
    prob = [w * n / total for w in weights]
    alias = list(range(n))
    small = [i for i, p in enumerate(prob) if p < 1.0]
    large = [i for i, p in enumerate(prob) if p >= 1.0]
    while small and large:
        s, g = small.pop(), large[-1]
        alias[s] = g
        prob[g] -= 1.0 - prob[s]
        if prob[g] < 1.0:
            small.append(large.pop())
    for i in small + large:  # rounding leftovers
        prob[i] = 1.0
    return prob, alias


def make_customers(rng: random.Random, count: int) -> tuple[list[Customer], list[float]]:
    """The customers and the weights of their invoice volume."""
    customers: list[Customer] = []
    weights: list[float] = []
    names: set[str] = set()
    origins = list(_ORIGINS)
    for n in range(1, count + 1):
        chinese = rng.random() < 0.5
        origin = "cn" if chinese else rng.choice(origins)
        for attempt in range(60):
            name = _chinese_name(rng) if chinese else _english_name(rng, origin)
            if attempt >= 50:  # a crowded name space (100k+ customers): number the branches
                name = f"{name}第{n}分公司" if chinese else f"{name} (Branch {n})"
            if name not in names:
                break
        names.add(name)
        r = rng.random()
        segment = "important" if r < 0.2 else ("normal" if r < 0.9 else "problem")
        if segment == "important":
            profile = _pick(rng, {"prompt": 0.35, "slow": 0.65})
        elif segment == "normal":
            profile = _pick(rng, {"prompt": 0.12, "slow": 0.85, "problem": 0.03})
        else:
            profile = _pick(rng, {"slow": 0.10, "problem": 0.90})
        if chinese:
            currency = "CNY" if rng.random() < 0.97 else "HKD"
            owner = _pick(rng, {"wang.wei": 0.45, "zhang.min": 0.45, "tom.baker": 0.10})
            terms = _pick(rng, {"30": 0.35, "45": 0.20, "60": 0.30, "90": 0.15})
        else:
            currency = _pick(rng, _ORIGINS[origin][1])
            owner = _pick(rng, {"wang.wei": 0.20, "zhang.min": 0.20, "tom.baker": 0.60})
            terms = _pick(rng, {"30": 0.60, "45": 0.25, "60": 0.10, "90": 0.05})
        size = rng.gauss(10.2, 0.8) + (0.6 if segment == "important" else 0.0)
        weight = math.exp(rng.gauss(0, 0.9)) * (2.5 if segment == "important" else 1.0)
        if segment == "problem":
            weight *= 0.7
        places = PLACES[currency]
        scale = 10**places
        customers.append(
            Customer(
                code=f"C{n:05d}", name=name, segment=segment, owner=owner, currency=currency,
                terms=int(terms), profile=profile, lateness=rng.randint(10, 60), size=size,
                head=",".join(_q(x) for x in (f"C{n:05d}", name, segment, owner)),
                places=places, rate=float(FX[currency]),
                lo=math.ceil(MIN_CNY * scale / FX[currency]),
                hi=math.floor(MAX_CNY * scale / FX[currency]),
            )
        )  # fmt: skip
        weights.append(weight)
    return customers, weights


# --------------------------------------------------------------------------------------------
# Rows


# Standard normal quantiles: a table lookup is five times cheaper than random.gauss.
_N = 4096
_NORMAL: tuple[float, ...] = tuple(NormalDist().inv_cdf((i + 0.5) / _N) for i in range(_N))


def _days_histogram(rng: random.Random, count: int) -> list[int]:
    """How many invoices are issued on each day, oldest first (index 0 = HISTORY_DAYS ago)."""
    hist = [0] * HISTORY_DAYS
    rand = rng.random
    for _ in range(count):
        u = rand()
        # A growing business: 60 % of the volume evenly spread, 40 % leaning to recent months.
        if u < 0.6:
            age = int(HISTORY_DAYS * u / 0.6)
        else:
            age = int(HISTORY_DAYS * (1 - math.sqrt(rand())))
        hist[HISTORY_DAYS - 1 - age] += 1
    return hist


def iter_lines(
    invoices: int, customers: int | None = None, seed: int = 0, as_of: date = DEFAULT_AS_OF
) -> Iterator[str]:
    """The ledger's CSV lines (without the header), in issue-date order."""
    n_customers = customers if customers is not None else max(20, invoices // 10)
    if invoices < 0 or n_customers < 1:
        raise ValueError("invoices must be >= 0 and customers >= 1")
    rng = random.Random(seed)
    custs, weights = make_customers(rng, n_customers)
    prob, alias = _alias_table(weights)
    hist = _days_histogram(rng, invoices)
    # Every customer gets at least one invoice (a customer list with silent customers would
    # not be the "200 customers" asked for): some invoice positions are reserved for them.
    reserved: dict[int, int] = {}
    if invoices >= n_customers:
        owners = list(range(n_customers))
        rng.shuffle(owners)
        reserved = dict(zip(rng.sample(range(invoices), n_customers), owners, strict=True))
    position = 0

    as_of_ord = as_of.toordinal()
    first_ord = as_of_ord - HISTORY_DAYS + 1
    base = first_ord - 7  # a weekend moved to Friday may precede the first day
    iso = [date.fromordinal(o).isoformat() for o in range(base, as_of_ord + max(TERMS) + 1)]
    seq: dict[str, int] = {}
    rand = rng.random
    normal = _NORMAL
    exp = math.exp
    products = _PRODUCTS
    n_products = len(products)
    terms_text = {t: str(t) for t in TERMS}

    def ri(a: int, b: int) -> int:
        """Like randint(a, b), about three times as fast."""
        return a + int(rand() * (b - a + 1))

    def amount_minor(c: Customer, log_cny: float) -> int:
        """A positive amount in the customer's currency minor units, within MIN..MAX CNY."""
        value = exp(log_cny) / c.rate  # currency units
        scale = 100 if c.places else 1
        r = rand()
        if r < 0.25:  # a round price-list figure
            step = 100 if value >= 10_000 else 10
            minor = round(value / step) * step * scale
        elif r < 0.45:
            minor = round(value) * scale
        else:
            minor = round(value * scale)
        return c.lo if minor < c.lo else (c.hi if minor > c.hi else minor)

    def delay(c: Customer) -> tuple[int, float, int]:
        """How an invoice gets paid: (days after due of the last payment, share paid before,
        days after due of that part payment). NEVER: not paid in full in this history."""
        r = rand()
        if c.profile == "prompt":
            if r < 0.30:  # pays on receipt, or with the monthly payment run
                return ri(-c.terms, 0), 0.0, 0
            if r < 0.55:
                return ri(-3, 5), 0.0, 0
            if r < 0.88:
                return ri(1, 20), 0.0, 0
            if r < 0.99:
                return ri(21, 75), 0.0, 0
            return ri(76, 200), 0.0, 0  # a forgotten one
        if c.profile == "slow":
            if r < 0.955:
                spread = c.lateness * 0.3 + 3
                late = max(1, round(c.lateness + spread * normal[int(rand() * _N)]))
            elif r < 0.995:
                late = ri(60, 150)
            else:
                return NEVER, 0.0, 0  # lost in a dispute
            if rand() < 0.06:  # paid in two instalments
                return late, (0.3, 0.5, 0.6)[ri(0, 2)], late // 2
            return late, 0.0, 0
        # problem: pays part, very late or not at all, breaking promises on the way
        if r < 0.20:
            return NEVER, 0.0, 0
        if r < 0.36:
            return NEVER, (0.2, 0.3, 0.4, 0.5, 0.7)[ri(0, 4)], ri(10, 150)
        if r < 0.80:
            return ri(20, 150), 0.0, 0
        late = ri(60, 300)
        return late, (0.3, 0.5)[ri(0, 1)], ri(15, late - 1)

    def description() -> str:
        r = rand()
        if r < 0.08:
            return ""
        product = products[int(rand() * n_products)]
        if r < 0.45:
            return f'"{product}, batch {ri(1, 99)}"'  # the comma needs quotes
        if r < 0.65:
            return _q(f"{product} PO-{ri(10000, 99999)}")
        if r < 0.75:
            return _q(f"{product} ×{ri(2, 500)}")
        return _q(product)

    for offset, count in enumerate(hist):
        day_ord = first_ord + offset
        weekday = (day_ord - 1) % 7  # 5 = Saturday, 6 = Sunday (ordinal 1 is a Monday)
        for _ in range(count):
            issue = day_ord
            if weekday >= 5 and rand() < 0.9:
                issue -= weekday - 4  # weekend paperwork is dated the Friday before
            forced = reserved.get(position)
            position += 1
            if forced is not None:
                c = custs[forced]
            else:
                u = rand() * n_customers
                i = int(u)
                c = custs[i if u - i < prob[i] else alias[i]]
            places = c.places
            terms = c.terms if rand() < 0.9 else TERMS[int(rand() * 4)]
            due = issue + terms
            credit = rand() < CREDIT_NOTE_SHARE
            issued = iso[issue - base]
            key = ("CN-" if credit else "INV-") + issued[:4]
            n = seq.get(key, 0) + 1
            seq[key] = n
            paid_minor = 0
            settled = ""
            if credit:
                amount = -amount_minor(c, c.size - 1.5 + 0.6 * normal[int(rand() * _N)])
                applied = issue + ri(0, 75)
                if applied <= as_of_ord and rand() < 0.97:
                    paid_minor, settled = amount, iso[applied - base]
                is_open = paid_minor == 0
                reason = products[int(rand() * n_products)] if rand() < 0.7 else "价格调整 price"
                text = _q(f"红字发票 credit note: {reason} adjustment")
            else:
                amount = amount_minor(c, c.size + 0.7 * normal[int(rand() * _N)])
                late, part, part_late = delay(c)
                paid_on = due + late
                if paid_on <= as_of_ord:
                    paid_minor = amount
                    settled = iso[(paid_on if paid_on > issue else issue) - base]
                elif part and due + part_late <= as_of_ord:
                    paid_minor = int(amount * part)
                    if places:  # part payments are whole units
                        paid_minor -= paid_minor % 100
                    paid_minor = max(paid_minor, 1)
                is_open = paid_minor != amount
                text = description()
            disputed = "yes" if rand() < (0.05 if is_open else 0.03) else "no"
            if places:
                a = abs(amount)
                amt = f"{'-' if amount < 0 else ''}{a // 100}.{a % 100:02d}"
                p = abs(paid_minor)
                paid = f"{'-' if paid_minor < 0 else ''}{p // 100}.{p % 100:02d}"
            else:
                amt, paid = str(amount), str(paid_minor)
            yield (
                f"{key}-{n:06d},{c.head},{issued},{iso[due - base]},{terms_text[terms]},"
                f"{c.currency},{amt},{paid},{settled},{disputed},{text}\n"
            )


def generate(
    path_or_file: str | Path | IO[str],
    invoices: int,
    customers: int | None = None,
    seed: int = 0,
    as_of: date | str = DEFAULT_AS_OF,
) -> None:
    """Write the ledger CSV (UTF-8, header, comma, \\n line ends) to a path or a text file.

    `customers` defaults to max(20, invoices // 10); `as_of` is a date or "YYYY-MM-DD".
    """
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)
    if isinstance(path_or_file, str | Path):
        with open(path_or_file, "w", encoding="utf-8", newline="") as fh:
            _write(fh, invoices, customers, seed, as_of)
    else:
        _write(path_or_file, invoices, customers, seed, as_of)


def _write(fh: IO[str], invoices: int, customers: int | None, seed: int, as_of: date) -> None:
    fh.write(",".join(COLUMNS) + "\n")
    buf: list[str] = []
    for line in iter_lines(invoices, customers, seed, as_of):
        buf.append(line)
        if len(buf) >= 10_000:
            fh.write("".join(buf))
            buf.clear()
    fh.write("".join(buf))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.generate", description="Write a synthetic receivables ledger CSV."
    )
    ap.add_argument("--invoices", type=int, required=True, help="number of rows")
    ap.add_argument(
        "--customers",
        type=int,
        default=None,
        help="number of customers (default: max(20, invoices // 10))",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=DEFAULT_AS_OF,
        help="the day the export is taken, YYYY-MM-DD (default 2026-11-23)",
    )
    ap.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    args = ap.parse_args(argv)
    if args.invoices < 0 or (args.customers is not None and args.customers < 1):
        ap.error("--invoices must be >= 0 and --customers >= 1")
    if args.out is not None:
        generate(args.out, args.invoices, args.customers, args.seed, args.as_of)
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            generate(out, args.invoices, args.customers, args.seed, args.as_of)
        finally:
            out.flush()
            out.detach()
    return 0


if __name__ == "__main__":
    sys.exit(main())
