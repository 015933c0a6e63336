"""Small synthetic registers for tests and the benchmark (the enterprises app's own generator,
``enterprises.synthetic.synthetic_register``, is used instead when it is there)."""

import datetime as dt
import random

import polars as pl

INDUSTRIES = ["C1711", "C1713", "C1810", "C1951", "C3031", "C2110", "C3311", "F4813", "G5191", "H6110", "R8810",
              "I6510", "C3922", "A0111", "L7212"]  # fmt: skip
DIVISIONS = ["350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526", "350581", "350582",
             "350583"]  # fmt: skip
TAGS = ["外贸", "纺织", "鞋服", "建材", "家居", "文旅", "商贸", "餐饮"]
YEARS = (2022, 2023, 2024, 2025, 2026)


def schema() -> dict[str, pl.DataType]:
    s = {"credit_code": pl.Utf8, "name": pl.Utf8, "industry_code": pl.Utf8, "division_code": pl.Utf8,
         "division_path": pl.Utf8, "founded_on": pl.Date, "size_class": pl.Utf8, "employees": pl.Int64,
         "above_scale": pl.Boolean, "high_tech": pl.Boolean, "srdi": pl.Boolean, "little_giant": pl.Boolean,
         "tags": pl.List(pl.Utf8)}  # fmt: skip
    for y in YEARS:
        s |= {f"revenue_{y}": pl.Float64, f"exports_{y}": pl.Float64, f"tax_{y}": pl.Float64}
    return s


def register(n: int, seed: int = 0, null_rate: float = 0.1) -> pl.DataFrame:
    """``n`` enterprises with plausible, reproducible values and about ``null_rate`` of them missing."""
    rnd = random.Random(seed)

    def maybe(value):
        return None if rnd.random() < null_rate else value

    rows = []
    for i in range(n):
        county = rnd.choice(DIVISIONS)
        town = f"{county}{rnd.randint(1, 12):03d}"
        revenue = rnd.lognormvariate(15, 2)
        row = {
            "credit_code": f"91350{i:013d}",
            "name": f"泉州示例企业{i}有限公司",
            "industry_code": maybe(rnd.choice(INDUSTRIES)),
            "division_code": town,
            "division_path": maybe(f"350500/{county}/{town}/"),
            "founded_on": maybe(dt.date(2000, 1, 1) + dt.timedelta(days=rnd.randint(0, 9800))),
            "size_class": maybe(rnd.choice(["micro", "micro", "small", "medium", "large"])),
            "employees": maybe(int(rnd.lognormvariate(2.5, 1.2))),
            "above_scale": maybe(rnd.random() < 0.1),
            "high_tech": maybe(rnd.random() < 0.05),
            "srdi": maybe(rnd.random() < 0.04),
            "little_giant": maybe(rnd.random() < 0.01),
            "tags": maybe(rnd.sample(TAGS, rnd.randint(0, 2))),
        }
        exporter = rnd.random() < 0.3
        for y in YEARS:
            revenue *= rnd.uniform(0.8, 1.3)
            row[f"revenue_{y}"] = maybe(round(revenue, 2))
            row[f"exports_{y}"] = maybe(round(revenue * rnd.uniform(0.1, 0.8), 2) if exporter else 0.0)
            row[f"tax_{y}"] = maybe(round(revenue * 0.03, 2))
        rows.append(row)
    return pl.DataFrame(rows, schema=schema())
