"""``manage.py policies match`` on files: the contract of the issue."""

import csv
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from policies import testing
from policies.jsonlogic.compile_polars import Clause
from policies.jsonlogic.reference import evaluate_clause
from policies.register import read_register

REF = dt.date(2026, 6, 30)


def _write_register(path, n=40):
    frame = testing.register(n, seed=3, null_rate=0.15)
    frame = frame.with_columns(frame["tags"].list.join(";"))
    frame.write_csv(path)
    return read_register(path)  # as the command reads it (an empty tag list and a missing one look alike)


def test_it_writes_one_row_per_enterprise_and_clause(tmp_path, capsys):
    frame = _write_register(tmp_path / "reg.csv")
    clauses = json.loads(open("policies/demo/match_clauses.json").read())
    (tmp_path / "clauses.json").write_text(json.dumps(clauses))
    call_command(
        "policies",
        "match",
        "--register",
        str(tmp_path / "reg.csv"),
        "--clauses",
        str(tmp_path / "clauses.json"),
        "--out",
        str(tmp_path / "out.csv"),
        "--reference-date",
        "2026-06-30",
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rows = list(csv.DictReader(open(tmp_path / "out.csv")))
    assert len(rows) == frame.height * 75 == summary["rows"]
    assert summary["eligible"] + summary["ineligible"] + summary["unknown"] == len(rows)
    assert set(rows[0]) == {"clause_id", "credit_code", "result", "amount", "missing"}
    by_key = {(r["clause_id"], r["credit_code"]): r for r in rows}
    for c in clauses[:20]:
        for row in frame.to_dicts():
            result, amount, missing = evaluate_clause(c["condition"], c.get("amount"), row, REF)
            got = by_key[(c["id"], row["credit_code"])]
            assert got["result"] == result
            assert got["missing"] == ";".join(missing)
            assert (float(got["amount"]) if got["amount"] else None) == amount


def test_unknown_results_name_the_missing_attribute(tmp_path, capsys):
    (tmp_path / "reg.csv").write_text("credit_code,srdi,revenue_2025\nA,true,\nB,,30000000\nC,false,1\n")
    rules = [{"id": "x", "condition": {"and": [{"certified": "srdi"}, {">=": [{"var": "revenue_y1"}, 2e7]}]},
              "amount": 1000}]  # fmt: skip
    (tmp_path / "c.json").write_text(json.dumps(rules))
    call_command("policies", "match", "--register", str(tmp_path / "reg.csv"), "--clauses", str(tmp_path / "c.json"),
                 "--out", str(tmp_path / "o.csv"), "--reference-date", "2026-01-01")  # fmt: skip
    rows = {r["credit_code"]: r for r in csv.DictReader(open(tmp_path / "o.csv"))}
    assert (rows["A"]["result"], rows["A"]["missing"]) == ("unknown", "revenue_y1")
    assert (rows["B"]["result"], rows["B"]["missing"]) == ("unknown", "srdi")
    assert (rows["C"]["result"], rows["C"]["missing"]) == ("ineligible", "")


@pytest.mark.parametrize(
    "rule,message",
    [
        ({"id": "a", "condition": {">": [{"var": "turnover"}, 1]}}, "unknown attribute"),
        ({"id": "a", "condition": {">": [{"var": "founded_on"}, 1]}}, "cannot compare a date with a number"),
        ({"id": "a", "condition": True, "amount": {"/": [1, {"var": "employees"}]}}, "divisor can be zero"),
    ],
)
def test_bad_clauses_are_refused(tmp_path, rule, message):
    (tmp_path / "reg.csv").write_text("credit_code\nA\n")
    (tmp_path / "c.json").write_text(json.dumps([rule]))
    with pytest.raises(CommandError, match=message):
        call_command("policies", "match", "--register", str(tmp_path / "reg.csv"), "--clauses",
                     str(tmp_path / "c.json"), "--out", str(tmp_path / "o.csv"))  # fmt: skip


def test_clause_type_is_the_engine_contract():
    assert Clause("a", True).amount is None
