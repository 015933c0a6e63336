"""Topic clustering for hot issues (热点问题). Pure Python, numpy/scipy and scikit-learn, no Django.

The method (docs/insight.md, figures from bench/insight.py):

- **Text.** The title and the opening of the text, normalised (OpenCC, NFKC), with the phrases every
  hotline message shares removed (反映、咨询、投诉、市民来电、您好、尊敬的领导 …), digits and
  punctuation turned into breaks. Place is *not* in the text's features: the caller groups by place.
- **Features.** TF-IDF (sublinear) of hashed character bigrams that do not cross a break, rows
  L2-normalised. Bigrams are Chinese's short words; no segmentation, so a hundred thousand items
  take a second or two to vectorise.
- **Clusters.** Average-linkage agglomerative clustering on cosine distance, cut at a distance
  threshold (``THRESHOLD``, chosen on real messages by bench/insight.py) instead of a fixed number
  of clusters: a topic is as big as the data make it, and clearly different matters stay apart.
  Above ``EXACT_MAX`` texts, spherical k-means first splits them into parts of at most
  ``PART_SIZE``, each part gets the exact clustering, clusters of two or more are joined across
  parts by the same linkage (exact average similarities, from summed vectors) and texts left
  alone join the cluster they are closest to on average if that passes the threshold.
- **Labels.** c-TF-IDF over jieba words of the members' titles (a word is a keyword when many of
  the cluster's titles have it and few other clusters do) and the most central title.
"""

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from insight.router import _code_points

CHARS = 80  # the title and the opening of the text: what the matter is
N_FEATURES = 2**18
THRESHOLD = 0.9  # cosine distance at which the tree is cut; chosen by bench/insight.py (see docs)
EXACT_MAX = 3000  # up to this many texts, the exact agglomerative clustering
PART_SIZE = 500  # above it, k-means parts of at most this many texts get the exact clustering…
JOIN_MIN = 2  # …and their clusters of at least this many texts are joined across parts
JOIN_MAX = 3000  # (the largest this many, so that the join stays quick)
FOLD = 2**14  # k-means works on the hashed columns folded to this many (it only groups)

# Phrases that every hotline message may carry whatever it is about: they say how the matter came
# in (来电、反映、咨询、投诉) or greet (您好、尊敬的…领导), not what it is. Simplified script (the
# texts are normalised first); longest first so that 市民来电 goes before 来电.
STOP_PHRASES = sorted(
    {
        "市民来电", "来电反映", "来电咨询", "来电投诉", "来电", "反映", "反应", "咨询", "投诉", "举报",
        "求助", "诉求", "关于", "请问", "询问", "您好", "你好", "尊敬的", "敬爱的", "各位", "领导",
        "书记", "局长", "厅长", "市长", "县长", "区长", "主任", "谢谢", "感谢", "万分", "希望",
        "恳请", "恳求", "请求", "要求", "建议", "有关部门", "相关部门", "职能部门", "政府", "部门",
        "尽快", "尽早", "及时", "处理", "解决", "问题", "情况", "事宜", "一事", "本人", "我们",
        "我家", "为什么", "为何", "怎么", "如何", "何时", "什么", "能否", "是否", "可以", "一下",
        "百忙之中", "打扰", "网友", "群众", "老百姓", "百姓", "纠纷", "申请", "办理",
    },
    key=len,
    reverse=True,
)  # fmt: skip
_STOP = re.compile("|".join(map(re.escape, STOP_PHRASES)))
_BREAK = re.compile(
    r"[\W_a-zA-Z]*\d+[号栋幢楼层室组]|[\W\d_a-zA-Z]+"
)  # house numbers, punctuation, digits, Latin (A7县): breaks


# Street names are place, not topic ("金山路路灯不亮" and "金山路路面塌陷" are two matters): a name
# of two or three characters before 路/街/大道 is dropped (not before 路灯、路面、路口 …: "好几盏路灯"),
# unless it is a common word for a kind of road (the topic of a transport message).
_ROAD = re.compile(
    r"(?:(?![的了在是和与到从往条段这那个上下出走修新铺老旧])[\u4e00-\u9fff]){2,3}?(?:大道|路|街)(?![灯面口段况线费边过])"
)
ROAD_WORDS = frozenset(
    {"高速公路", "水泥路", "柏油路", "沙石路", "泥巴路", "砂石路", "断头路", "步行街", "商业街", "美食街", "小吃街",
     "背街", "老街", "沥青路", "主干道路", "乡村公路", "农村公路", "城际铁路", "高速铁路", "村组道路"}
)  # fmt: skip


def _road(match: re.Match) -> str:
    return match.group(0) if match.group(0) in ROAD_WORDS or match.group(0)[-3:] in ROAD_WORDS else " "


def clean(text: str) -> str:
    """The part of a (normalised) text that says what the matter is: street names and boilerplate
    out, breaks in."""
    text = text[: CHARS * 3 // 2]  # enough for CHARS once cleaned, and the regexes are the cost
    if "路" in text or "街" in text:
        text = _ROAD.sub(_road, text)
    return _BREAK.sub(" ", _STOP.sub(" ", text))[:CHARS]


def features(texts: list[str], *, idf_from: list[str] | None = None):
    """L2-normalised TF-IDF rows of hashed character bigrams (never across a break)."""
    counts = _bigram_counts([clean(t) for t in texts])
    ref = counts if idf_from is None else _bigram_counts([clean(t) for t in idf_from])
    return normalize(TfidfTransformer(sublinear_tf=True).fit(ref).transform(counts))


def _bigram_counts(texts: list[str]):
    codes, rows, positions = _code_points(texts, CHARS)
    space = ord(" ")
    keep = (positions[1:] > 0) & (codes[1:] != space) & (codes[:-1] != space)
    r = rows[1:][keep]
    c = (codes[:-1][keep] * 1_000_003 + codes[1:][keep]) % N_FEATURES
    matrix = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(texts), N_FEATURES))
    matrix.sum_duplicates()
    return matrix


def _cut(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """Average linkage on 1 − similarity, cut at ``threshold``: labels 0..k−1."""
    if len(similarity) == 1:
        return np.zeros(1, dtype=int)
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, t=threshold, criterion="distance") - 1


def cluster_vectors(vectors, *, threshold: float = THRESHOLD, seed: int = 0) -> np.ndarray:
    """Cluster L2-normalised rows (see the module's docstring); returns a label per row."""
    n = vectors.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int)
    empty = np.asarray(vectors.getnnz(axis=1) == 0) if sparse.issparse(vectors) else ~vectors.any(axis=1)
    labels = np.full(n, -1, dtype=int)
    idx = np.flatnonzero(~empty)
    if len(idx):
        sub = vectors[idx]
        if len(idx) <= EXACT_MAX:
            sim = sub @ sub.T
            labels[idx] = _cut(sim.toarray() if sparse.issparse(sim) else sim, threshold)
        else:
            labels[idx] = _cluster_large(sub, threshold=threshold, seed=seed)
    # A text with nothing left after cleaning is a topic of its own.
    labels[empty] = labels.max() + 1 + np.arange(int(empty.sum()))
    return labels


def _cluster_large(vectors, *, threshold: float, seed: int) -> np.ndarray:
    """Above ``EXACT_MAX`` texts: spherical k-means (cosine) splits the texts into parts of at most
    ``PART_SIZE`` (recursively: near-duplicates fall in the same part); each part gets the exact
    clustering; then the clusters of at least ``JOIN_MIN`` texts (a topic large enough to have
    been split between parts) are joined by the same average linkage, using exact average
    similarities (the dot product of two clusters' summed vectors over the product of sizes)."""
    n = vectors.shape[0]
    coo = vectors.tocoo()  # k-means only splits: folding the hashed columns costs it little
    folded = normalize(sparse.csr_matrix((coo.data, (coo.row, coo.col % FOLD)), shape=(n, FOLD)))
    rng = np.random.default_rng(seed)
    labels = np.zeros(n, dtype=np.int64)
    count = 0
    pending = [np.arange(n)]
    while pending:
        idx = pending.pop()
        if len(idx) > PART_SIZE:
            parts = _spherical_kmeans(folded[idx], min(64, -(-len(idx) // PART_SIZE)), rng)
            if parts.max() == 0:  # k-means cannot split them (all alike): cut in pieces
                parts = np.arange(len(idx)) // PART_SIZE
            pending.extend(idx[parts == p] for p in np.unique(parts))
            continue
        sub = vectors[idx]
        local = _cut((sub @ sub.T).toarray(), threshold)
        labels[idx] = count + local
        count += local.max() + 1
    sizes = np.bincount(labels, minlength=count)
    big = np.flatnonzero(sizes >= JOIN_MIN)
    big = big[np.argsort(-sizes[big], kind="stable")[:JOIN_MAX]]
    if len(big) > 1:
        position = np.full(count, -1)
        position[big] = np.arange(len(big))
        rows = np.flatnonzero(position[labels] >= 0)
        member = sparse.csr_matrix((np.ones(len(rows)), (position[labels[rows]], rows)), shape=(len(big), n))
        sums = member @ vectors
        similarity = (sums @ sums.T).toarray() / np.outer(sizes[big], sizes[big])
        remap = np.arange(count)
        remap[big] = count + _cut(similarity, threshold)
        labels = remap[labels]
    labels = np.unique(labels, return_inverse=True)[1]
    return _attach(vectors, labels, threshold)


def _attach(vectors, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Texts left alone in their part join the cluster (of ≥ ``JOIN_MIN`` texts) they are most
    similar to on average, when that average similarity passes the threshold, as average linkage
    would have joined them."""
    sizes = np.bincount(labels)
    alone = np.flatnonzero(sizes[labels] == 1)
    big = np.flatnonzero(sizes >= JOIN_MIN)
    if len(alone) == 0 or len(big) == 0:
        return labels
    position = np.full(len(sizes), -1)
    position[big] = np.arange(len(big))
    rows = np.flatnonzero(position[labels] >= 0)
    member = sparse.csr_matrix((np.ones(len(rows)), (position[labels[rows]], rows)), shape=(len(big), len(labels)))
    sums = (member @ vectors).T.tocsr()
    for start in range(0, len(alone), 5000):
        chunk = alone[start : start + 5000]
        average = (vectors[chunk] @ sums).toarray() / sizes[big]
        best = average.argmax(axis=1)
        ok = average[np.arange(len(chunk)), best] >= 1.0 - threshold
        labels[chunk[ok]] = big[best[ok]]
    return np.unique(labels, return_inverse=True)[1]


def _spherical_kmeans(rows, k: int, rng, iterations: int = 3) -> np.ndarray:
    """k-means on the unit sphere (cosine) of sparse L2-normalised rows; centres start at k rows."""
    n = rows.shape[0]
    k = min(k, n)
    centres = rows[rng.choice(n, size=k, replace=False)].toarray()
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        labels = np.asarray((rows @ centres.T).argmax(axis=1)).ravel()
        member = sparse.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
        sums = (member @ rows).toarray()
        norms = np.linalg.norm(sums, axis=1)
        kept = norms > 0
        centres[kept] = sums[kept] / norms[kept, None]
    return np.unique(labels, return_inverse=True)[1]


def cluster_texts(
    texts: list[str], *, titles: list[str] | None = None, threshold: float = THRESHOLD, seed: int = 0
) -> np.ndarray:
    """The topic of each (normalised) text: equal numbers for texts about the same matter. With
    ``titles`` (one per text), a title's bigrams count once more: the title names the matter,
    the text around it shares more words with other matters (存在安全隐患, 影响出行 …)."""
    if not texts:
        return np.zeros(0, dtype=int)
    vectors = features(texts)
    if titles is not None:
        vectors = normalize(vectors + features(titles, idf_from=texts))
    return cluster_vectors(vectors, threshold=threshold, seed=seed)


# ---------------------------------------------------------------------------------------------
# Labels


@dataclass
class Label:
    keywords: list[str]  # the c-TF-IDF words, best first (may be empty)
    title: str  # the most central title

    @property
    def line(self) -> str:
        """One line for a leader: the keywords, or the central title when no word is shared."""
        return "、".join(self.keywords) if self.keywords else self.title


# Not keywords either: words that say how (长期、多次、迟迟 …), not what.
_WORD_STOP = set(STOP_PHRASES) | {
    "长期", "作为", "多次", "迟迟", "一直", "经常", "突然", "无法", "不能", "没有", "严重", "存在", "影响",
    "出现", "进行", "安排", "有关", "相关", "已经", "还是", "现在", "目前", "这个", "那个", "今年", "去年",
}  # fmt: skip
_tokenizer = None


def _words(title: str) -> set[str]:
    """jieba's words (search mode: 拖欠工资 gives 拖欠, 工资 too) of a title without street names."""
    global _tokenizer
    if _tokenizer is None:
        import jieba

        jieba.setLogLevel(60)
        tokenizer = jieba.Tokenizer()
        tokenizer.del_word("灯不亮")  # the dictionary's one word for 路灯|不亮
        _tokenizer = tokenizer
    text = _BREAK.sub(" ", _ROAD.sub(_road, title))
    return {w for w in _tokenizer.lcut_for_search(text) if len(w.strip()) >= 2 and w not in _WORD_STOP}


def labels_for(groups: list[list[str]], *, top: int = 3) -> list[Label]:
    """A label for each group of titles: c-TF-IDF keywords (words most of the group's titles share
    and the other groups do not) and the group's most central title."""
    words = [[_words(t) for t in titles] for titles in groups]
    per_group = [Counter(w for ws in group for w in ws) for group in words]
    freq = Counter()  # how often each word occurs over all groups
    for counter in per_group:
        freq.update(counter)
    average = max(1.0, sum(freq.values()) / max(1, len(groups)))
    out = []
    for titles, counter in zip(groups, per_group, strict=True):
        need = max(2, (len(titles) + 1) // 2) if len(titles) > 1 else 1
        scored = sorted(
            ((c * np.log(1 + average / freq[w]), w) for w, c in counter.items() if c >= need),
            reverse=True,
        )
        keywords: list[str] = []
        for _score, w in scored:  # best first, leaving out a word inside a chosen one or around it
            if len(keywords) < top and not any(w in k or k in w for k in keywords):
                keywords.append(w)
        out.append(Label(keywords=keywords, title=_central(titles)))
    return out


def _central(titles: list[str]) -> str:
    if len(titles) <= 2:
        return titles[0]
    vectors = features(titles)
    mean = np.asarray((vectors @ vectors.T).mean(axis=1)).ravel()
    return titles[int(np.argmax(mean))]
