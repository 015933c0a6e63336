"""The industry classification (GB/T 4754-2017)."""

import csv
from pathlib import Path

from django.db import transaction

from enterprises import models

INDUSTRY_CSV = Path(__file__).resolve().parent.parent / "data" / "gbt4754_2017_industry_classification.csv"


@transaction.atomic
def industries_load_reference(model=None) -> int:
    """Load GB/T 4754-2017 (20 sections, 97 divisions, 473 groups, 1,380 classes) from the copy of
    the reference CSV in enterprises/data/. Running it again changes nothing. Returns rows created.
    ``model`` is the historical model when a migration calls it."""
    Industry = model or models.Industry
    with open(INDUSTRY_CSV, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    existing = set(Industry.objects.values_list("full_code", flat=True))
    new = [
        Industry(
            full_code=r["full_code"],
            code=r["code"],
            level=int(r["level"]),
            name=r["name"],
            description=r["description"],
        )
        for r in rows
        if r["full_code"] not in existing
    ]
    Industry.objects.bulk_create(new, batch_size=500)
    if not new:
        return 0
    by_code = dict(Industry.objects.values_list("full_code", "pk"))
    # A parent is named by its code without the section letter ("153" for C1530), a division by its section.
    section_of = {r["full_code"]: r["section"] for r in rows}
    changed = []
    for r in rows:
        if not r["parent_code"]:
            continue
        parent_full = r["parent_code"] if r["parent_code"].isalpha() else section_of[r["full_code"]] + r["parent_code"]
        changed.append(Industry(pk=by_code[r["full_code"]], parent_id=by_code[parent_full]))
    Industry.objects.bulk_update(changed, ["parent"], batch_size=500)
    return len(new)
