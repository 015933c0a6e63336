"""Every condition renders as a Chinese sentence, in both scripts."""

import json
from pathlib import Path

from policies.jsonlogic.render import render, render_amount

DEMO = Path(__file__).resolve().parents[1] / "demo" / "match_clauses.json"


def test_the_issue_example_renders_in_both_scripts():
    rule = {"and": [{"industry_prefix": ["C17"]}, {">=": [{"var": "revenue_y1"}, 20000000]}]}
    assert render(rule) == "行业属于C17纺织业，且上年度营业收入不低于2000万元"
    assert render(rule, traditional=True) == "行業屬於C17紡織業，且上年度營業收入不低於2000萬元"


def test_custom_operations_read_as_sentences():
    assert render({"within_years": [{"var": "founded_on"}, 3]}) == "成立未满3年"
    assert render({"division_under": ["350582"]}) == "注册地位于晋江市"
    assert render({">=": [{"growth": ["exports", -2, -1]}, 0.1]}) == "上年度出口额较前年度增长率不低于10%"
    assert render({"in": [{"var": "size_class"}, ["micro", "small"]]}) == "企业规模为微型、小型之一"
    assert render({"certified": "little_giant"}) == "获评专精特新“小巨人”企业"


def test_a_capped_formula_reads_as_a_sentence():
    formula = {"min": [{"*": [0.05, {"-": [{"var": "exports_y1"}, {"var": "exports_y2"}]}]}, 500000]}
    assert render_amount(formula) == "上年度出口额较前年度增加额的5%，最高50万元"
    assert render_amount(200000) == "20万元"


def test_every_demo_clause_renders_without_json_left_in_it():
    for clause in json.loads(DEMO.read_text()):
        for text in (render(clause["condition"]), render(clause["condition"], traditional=True)):
            assert "{" not in text and "var" not in text, (clause["id"], text)
