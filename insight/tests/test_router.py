import pytest

from insight.errors import InsightError
from insight.router import FORMAT_VERSION, Router
from insight.text import is_chinese, normalise


def test_normalise_folds_traditional_script_and_width():
    assert normalise("  臺賬　鄰裏  ｜路燈壞了 ") == normalise("台账 邻里 |路灯坏了")
    assert normalise("路燈壞了") == "路灯坏了"


def test_chinese_text_is_recognised_in_either_script():
    assert is_chinese("路燈壞了，請盡快維修")
    assert not is_chinese("The street light is broken")


def test_it_learns_and_predicts_with_a_confidence(corpus_rows):
    texts = [normalise(r["title"] + "。" + r["body"]) for r in corpus_rows]
    labels = [r["label"] for r in corpus_rows]
    router = Router().fit(texts, labels)
    predictions = router.predict(["学校违规补课收费，家长负担重", "工厂夜间排放污水污染河流"])
    assert [p.label for p in predictions] == ["教育文体", "环境保护"]
    assert all(0 <= p.confidence <= 1 for p in predictions)


def test_a_saved_model_loads_and_predicts_the_same(corpus_rows, tmp_path):
    texts = [normalise(r["title"]) for r in corpus_rows]
    router = Router().fit(texts, [r["label"] for r in corpus_rows])
    router.save(str(tmp_path / "m.joblib"))
    again = Router.load(str(tmp_path / "m.joblib"))
    assert [p.label for p in again.predict(texts[:20])] == [p.label for p in router.predict(texts[:20])]


def test_a_model_from_another_version_is_refused(corpus_rows, tmp_path, monkeypatch):
    import insight.router as module

    router = Router().fit([normalise(r["title"]) for r in corpus_rows], [r["label"] for r in corpus_rows])
    monkeypatch.setattr(module, "FORMAT_VERSION", FORMAT_VERSION + 1)
    router.save(str(tmp_path / "new.joblib"))
    monkeypatch.setattr(module, "FORMAT_VERSION", FORMAT_VERSION)
    with pytest.raises(InsightError, match="another version"):
        Router.load(str(tmp_path / "new.joblib"))


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    path = tmp_path / "x.joblib"
    path.write_bytes(b"not a model")
    with pytest.raises(InsightError, match="not a routing model"):
        Router.load(str(path))


def test_one_class_is_refused():
    with pytest.raises(InsightError, match="one class"):
        Router().fit(["路灯坏了", "路面塌陷"], ["城乡建设", "城乡建设"])


def test_traditional_input_is_routed_like_simplified(corpus_rows):
    router = Router().fit([normalise(r["title"]) for r in corpus_rows], [r["label"] for r in corpus_rows])
    simplified = router.predict([normalise("学校违规补课收费")])[0]
    traditional = router.predict([normalise("學校違規補課收費")])[0]
    assert (traditional.label, round(traditional.confidence, 6)) == (simplified.label, round(simplified.confidence, 6))
