import csv
import json

import pytest
from django.core.management import CommandError, call_command


def _write(path, rows, header=("标题", "内容", "一级标签"), encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


@pytest.fixture
def data(corpus_rows, tmp_path):
    rows = [(r["title"], r["body"], r["label"]) for r in corpus_rows]
    return {"utf8": _write(tmp_path / "u.csv", rows), "gbk": _write(tmp_path / "g.csv", rows, encoding="gb18030")}


def test_train_evaluate_predict_on_a_gbk_export(data, corpus_rows, tmp_path, capsys):
    model = str(tmp_path / "m.joblib")
    args = ["--csv", data["gbk"], "--text", "标题", "--text", "内容"]
    call_command("routing", "train", *args, "--label", "一级标签", "--model", model)
    capsys.readouterr()
    call_command("routing", "evaluate", *args, "--label", "一级标签", "--model", model)
    out = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(out[-1])
    assert summary["n"] == len(corpus_rows) and 0 <= summary["macro_f1"] <= summary["accuracy"] + 1
    assert any(line.startswith("教育文体") for line in out)
    call_command(
        "routing",
        "predict",
        "--csv",
        data["utf8"],
        "--text",
        "标题",
        "--model",
        model,
        "--out",
        str(tmp_path / "p.csv"),
    )
    with open(tmp_path / "p.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(corpus_rows) and {"predicted", "confidence", "标题"} <= set(rows[0])


def _refused(tmp_path, *args, match):
    model = tmp_path / "bad.joblib"
    with pytest.raises(CommandError, match=match):
        call_command("routing", "train", *args, "--model", str(model))
    assert not model.exists()


def test_a_csv_without_the_named_column_writes_nothing(data, tmp_path):
    _refused(tmp_path, "--csv", data["utf8"], "--text", "正文", "--label", "一级标签", match="no column 正文")


def test_an_unknown_encoding_writes_nothing(corpus_rows, tmp_path):
    path = _write(tmp_path / "x.csv", [(r["title"], r["body"], r["label"]) for r in corpus_rows], encoding="utf-16")
    _refused(tmp_path, "--csv", path, "--text", "标题", "--label", "一级标签", match="GBK/GB18030")


def test_empty_text_writes_nothing(corpus_rows, tmp_path):
    rows = [(r["title"], r["body"], r["label"]) for r in corpus_rows] + [("", " ", "城乡建设")]
    path = _write(tmp_path / "x.csv", rows)
    _refused(
        tmp_path,
        "--csv",
        path,
        "--text",
        "标题",
        "--text",
        "内容",
        "--label",
        "一级标签",
        match=f"Empty text in row {len(corpus_rows) + 2}",
    )


def test_rows_in_another_script_are_read_and_named_not_refused(corpus_rows, tmp_path, capsys):
    """Issue 16: real titles such as "panqan" or "Potato）" refused the whole file."""
    odd = [
        ("panqan", "", "城乡建设"),
        ("Potato）", "", "商贸旅游"),
        ("12345", "", "教育文体"),
        ("🙂🙂", "", "卫生计生"),
    ]
    rows = [(r["title"], r["body"], r["label"]) for r in corpus_rows]
    path = _write(tmp_path / "x.csv", rows[:10] + odd + rows[10:])
    model, out = str(tmp_path / "m.joblib"), str(tmp_path / "p.csv")
    args = ["--csv", path, "--text", "标题", "--model", model]
    call_command("routing", "train", *args, "--label", "一级标签")
    assert "row 12, 13, 14, 15 is not Chinese" in capsys.readouterr().err
    call_command("routing", "evaluate", *args, "--label", "一级标签")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["n"] == len(rows) + len(odd)
    call_command("routing", "predict", *args, "--out", out)
    with open(out, encoding="utf-8-sig") as f:
        written = list(csv.DictReader(f))
    assert len(written) == len(rows) + len(odd)
    assert [w["标题"] for w in written[10:14]] == [o[0] for o in odd]
    assert all(w["predicted"] and 0 < float(w["confidence"]) <= 1 for w in written[10:14])


def test_a_binary_file_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(bytes(range(256)) * 8)
    _refused(tmp_path, "--csv", str(path), "--text", "标题", "--label", "一级标签", match="GBK/GB18030")


def test_a_label_column_with_one_class_writes_nothing(corpus_rows, tmp_path):
    path = _write(tmp_path / "x.csv", [(r["title"], r["body"], "城乡建设") for r in corpus_rows])
    _refused(tmp_path, "--csv", path, "--text", "标题", "--label", "一级标签", match="only one class")


def test_predict_with_a_model_from_another_version_writes_nothing(data, tmp_path):
    model = tmp_path / "old.joblib"
    model.write_bytes(b"\x00garbage")
    out = tmp_path / "p.csv"
    with pytest.raises(CommandError, match="not a routing model"):
        call_command(
            "routing", "predict", "--csv", data["utf8"], "--text", "标题", "--model", str(model), "--out", str(out)
        )
    assert not out.exists()


def test_a_field_over_the_csv_limit_is_named_by_its_row(tmp_path):
    from insight.csvio import read_table
    from insight.errors import InsightError

    path = tmp_path / "big.csv"
    path.write_text("留言主题,留言详情\n路灯坏了,晚上很黑\n噪音," + "吵" * 140_000 + "\n", encoding="utf-8")
    with pytest.raises(InsightError, match="第 3 行无法读取"):
        read_table(str(path), text_columns=["留言主题", "留言详情"])
