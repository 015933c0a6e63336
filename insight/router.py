"""The routing classifier (智能分拨): a linear SVM over hashed character n-grams of the message's
opening (its title, in practice) and of its text, with class weights balanced so that rare
categories count (the target is macro-F1), and a confidence calibrated on held-out data.

Pure Python and scikit-learn: no Django, no download. The command line (``manage.py routing``),
the ledger retraining and ``bench/insight.py`` all use it. See docs/insight.md for why this model."""

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.svm import LinearSVC

from insight.errors import InsightError

FORMAT = "grassroots-insight-router"
FORMAT_VERSION = 1


@dataclass
class Params:
    head_chars: int = 25  # the opening counted twice: the title when there is one
    head_ngrams: tuple[int, int] = (1, 3)
    text_chars: int = 300  # most of the text; more costs training time (docs/insight.md)
    text_ngrams: tuple[int, int] = (1, 2)
    n_features: int = 2**18  # per field; hashing keeps memory flat whatever the corpus size
    C: float = 1.0
    class_weight: str | None = "balanced"


@dataclass
class Prediction:
    label: str
    confidence: float


@dataclass
class Evaluation:
    n: int
    accuracy: float
    macro_f1: float
    per_label: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        return {"n": self.n, "accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4)}


_PRIME = 1_000_003


def _code_points(texts: list[str], limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All texts' code points (each cut to ``limit``) in one array, with each point's row and
    position in its text."""
    arrays = [np.frombuffer(t[:limit].encode("utf-32-le"), dtype=np.uint32) for t in texts]
    lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
    codes = np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return codes, rows, np.arange(len(codes), dtype=np.int64) - starts


def _ngram_columns(codes, rows, positions, n: int, upto: int):
    """Hashed columns of the n-grams that lie within the first ``upto`` characters (the hash of
    a longer n-gram may wrap around int64: still a hash)."""
    if n == 1:
        keep = positions < upto
        return rows[keep], codes[keep]
    last = positions[n - 1 :]  # the n-gram's last character, in the same text as its first
    keep = (last >= n - 1) & (last < upto)
    hashed = codes[: len(codes) - n + 1].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):
            hashed = hashed * _PRIME + codes[k : len(codes) - n + 1 + k]
    return rows[n - 1 :][keep], hashed[keep]


def hashed_ngrams(texts: list[str], *, chars: int, ngrams: tuple[int, int], n_features: int):
    """Counts of hashed character n-grams of each text's first ``chars`` characters."""
    codes, rows, positions = _code_points(texts, chars)
    parts_r, parts_c = [], []
    for size in range(ngrams[0], ngrams[1] + 1):
        r, c = _ngram_columns(codes, rows, positions, size, chars)
        parts_r.append(r)
        parts_c.append(c % n_features)
    r, c = np.concatenate(parts_r), np.concatenate(parts_c)
    matrix = sparse.csr_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(len(texts), n_features))
    matrix.sum_duplicates()
    return matrix


def _counts(texts: list[str], params: Params, chunk: int = 10_000):
    """Counts of hashed character n-grams: the opening (``head_chars``) in the first block of
    ``n_features`` columns, the text (``text_chars``) in the second. Vectorised with numpy, by
    chunks of ``chunk`` texts: a hundred thousand messages take seconds and the memory does not
    grow with the vocabulary."""
    if len(texts) > chunk:
        return sparse.vstack([_counts(texts[i : i + chunk], params) for i in range(0, len(texts), chunk)]).tocsr()
    n = params.n_features
    codes, rows, positions = _code_points(texts, max(params.head_chars, params.text_chars))
    parts_r, parts_c = [], []
    fields = ((0, params.head_chars, params.head_ngrams), (n, params.text_chars, params.text_ngrams))
    for offset, upto, (lo, hi) in fields:
        for size in range(lo, hi + 1):
            r, c = _ngram_columns(codes, rows, positions, size, upto)
            parts_r.append(r)
            parts_c.append(c % n + offset)
    r, c = np.concatenate(parts_r), np.concatenate(parts_c)
    matrix = sparse.csr_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(len(texts), 2 * n))
    matrix.sum_duplicates()
    return matrix


def _margins(scores: np.ndarray) -> np.ndarray:
    """Per row: the best score and its lead over the second (the calibrator's two inputs)."""
    if scores.ndim == 1:  # two classes: one signed score
        top = np.abs(scores)
        return np.column_stack([top, 2 * top])
    part = np.sort(scores, axis=1)
    return np.column_stack([part[:, -1], part[:, -1] - part[:, -2]])


class Router:
    def __init__(self, params: Params | None = None):
        self.params = params or Params()
        self.tfidf: TfidfTransformer | None = None
        self.svm: LinearSVC | None = None
        self.calibrator: LogisticRegression | None = None
        self._weights: np.ndarray | None = None  # the SVM's weights, dense, one column per class
        self.meta: dict = {}

    # -- training ----------------------------------------------------------------------------
    def _fit_core(self, counts, labels):
        tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        svm = LinearSVC(C=self.params.C, class_weight=self.params.class_weight, tol=1e-3, max_iter=300)
        svm.fit(tfidf.transform(counts), labels)
        return tfidf, svm

    def fit(self, texts: list[str], labels: list[str]) -> "Router":
        """``texts`` are normalised already (insight.text.normalise)."""
        labels = np.asarray(labels)
        classes, counts_per_class = np.unique(labels, return_counts=True)
        if len(classes) < 2:
            raise InsightError("标签只有一个类别，无法训练分类器。", "The labels have only one class.")
        counts = _counts(texts, self.params)
        self.calibrator = self._calibrate(counts, labels, counts_per_class.min())
        self.tfidf, self.svm = self._fit_core(counts, labels)
        self.svm.sparsify()  # most hashed features never occur: a smaller file, the same scores
        self._weights = None
        self.meta = {"n_train": len(texts), "labels": [str(c) for c in classes]}
        return self

    def _calibrate(self, counts, labels, smallest_class: int) -> LogisticRegression | None:
        """Learn P(the top label is right | top score, lead) on data the SVM did not see: 3 folds
        for small corpora; for large ones, a hold-out from a 20,000-item sample (a model trained on
        fewer items is a little less sure of itself: the confidence errs on the low side)."""
        if smallest_class < 2 or len(labels) < 20:
            return None
        feats, right = [], []
        if len(labels) <= 20000:
            folds = StratifiedKFold(n_splits=min(3, smallest_class), shuffle=True, random_state=0)
            splits = folds.split(np.zeros(len(labels)), labels)
        else:  # a 20,000-item sample, 10 % of it held out: the cost stays flat as the corpus grows
            idx = np.arange(len(labels))
            sample, _rest = train_test_split(idx, train_size=20000, stratify=labels, random_state=0)
            tr, te = train_test_split(sample, test_size=0.1, stratify=labels[sample], random_state=0)
            splits = [(tr, te)]
        for tr, te in splits:
            tfidf, svm = self._fit_core(counts[tr], labels[tr])
            scores = svm.decision_function(tfidf.transform(counts[te]))
            feats.append(_margins(scores))
            predicted = svm.classes_[scores.argmax(axis=1)] if scores.ndim > 1 else svm.classes_[(scores > 0) * 1]
            right.append(predicted == labels[te])
        x, y = np.vstack(feats), np.concatenate(right)
        if y.all() or not y.any():
            return None
        return LogisticRegression().fit(x, y)

    # -- use -----------------------------------------------------------------------------------
    def _scores(self, texts: list[str]) -> np.ndarray:
        if self.svm is None:
            raise InsightError("模型尚未训练。", "The model has not been trained.")
        # the product by hand: decision_function copies the (transposed) weights on every call,
        # which costs milliseconds for one message with a million weights
        if self._weights is None:
            coef = self.svm.coef_
            self._weights = np.ascontiguousarray((coef.toarray() if sparse.issparse(coef) else coef).T)
        scores = self.tfidf.transform(_counts(texts, self.params)) @ self._weights + self.svm.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, texts: list[str]) -> list[Prediction]:
        scores = self._scores(texts)
        classes = self.svm.classes_
        best = scores.argmax(axis=1) if scores.ndim > 1 else (scores > 0).astype(int)
        if self.calibrator is not None:
            confidence = self.calibrator.predict_proba(_margins(scores))[:, 1]
        else:  # too little data to calibrate: a softmax of the scores, honest about being rough
            s = scores if scores.ndim > 1 else np.column_stack([-scores, scores])
            e = np.exp(s - s.max(axis=1, keepdims=True))
            confidence = (e / e.sum(axis=1, keepdims=True)).max(axis=1)
        return [Prediction(str(classes[b]), float(c)) for b, c in zip(best, confidence, strict=True)]

    def evaluate(self, texts: list[str], labels: list[str]) -> Evaluation:
        predicted = [p.label for p in self.predict(texts)]
        names = sorted(set(labels) | set(predicted))
        p, r, f, s = precision_recall_fscore_support(labels, predicted, labels=names, zero_division=0)
        table = [
            {"label": n, "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, n in enumerate(names)
        ]
        return Evaluation(
            n=len(labels),
            accuracy=float(accuracy_score(labels, predicted)),
            macro_f1=float(f1_score(labels, predicted, labels=sorted(set(labels)), average="macro", zero_division=0)),
            per_label=table,
        )

    # -- files ---------------------------------------------------------------------------------
    def save(self, path: str, **extra) -> None:
        """Write atomically: a reader never sees half a model."""
        payload = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "sklearn": sklearn.__version__,
            "saved_at": dt.datetime.now(dt.UTC).isoformat(),
            "params": self.params.__dict__,
            "tfidf": self.tfidf,
            "svm": self.svm,
            "calibrator": self.calibrator,
            "meta": self.meta | extra,
        }
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        os.close(fd)
        try:
            joblib.dump(payload, tmp, compress=3)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str) -> "Router":
        """Only files this code wrote, of this format version and scikit-learn version."""
        try:
            payload = joblib.load(path)
        except FileNotFoundError as e:
            raise InsightError(f"找不到模型文件 {path}。", f"No model file at {path}.") from e
        except Exception as e:
            raise InsightError(
                f"{path} 不是可读取的分拨模型文件。", f"{path} is not a routing model file this program can read."
            ) from e
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise InsightError(f"{path} 不是分拨模型文件。", f"{path} is not a routing model file.")
        if payload.get("format_version") != FORMAT_VERSION or payload.get("sklearn") != sklearn.__version__:
            raise InsightError(
                f"模型文件来自其他版本（格式 {payload.get('format_version')}，scikit-learn {payload.get('sklearn')}；"
                f"当前为格式 {FORMAT_VERSION}，scikit-learn {sklearn.__version__}），请重新训练。",
                f"The model file comes from another version (format {payload.get('format_version')}, scikit-learn "
                f"{payload.get('sklearn')}; this program: format {FORMAT_VERSION}, scikit-learn "
                f"{sklearn.__version__}). Train it again.",
            )
        router = cls(Params(**payload["params"]))
        router.tfidf, router.svm, router.calibrator = payload["tfidf"], payload["svm"], payload["calibrator"]
        router.meta = payload["meta"]
        return router


def baseline_fit_predict(train_texts, train_labels, test_texts):
    """The benchmark's plain baseline: TF-IDF over character 1–3-grams and a linear SVM."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LinearSVC())
    model.fit(train_texts, train_labels)
    return list(model.predict(test_texts))
