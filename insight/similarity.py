"""Text similarity for repeats and clustering: TF-IDF over hashed character bigrams (and single
characters), cosine similarity. Chinese needs no word segmentation for this: shared bigrams are
shared words, and the measure is the same for Traditional input once normalised."""

import numpy as np
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from insight.router import hashed_ngrams

N_FEATURES = 2**18
CHARS = 200  # the title and the opening of the text carry the matter


def tfidf_vectors(texts: list[str], reference: list[str] | None = None):
    """L2-normalised TF-IDF rows for ``texts``; the IDF is learnt from ``reference`` (default: the texts)."""
    counts = hashed_ngrams(texts, chars=CHARS, ngrams=(1, 2), n_features=N_FEATURES)
    ref = counts if reference is None else hashed_ngrams(reference, chars=CHARS, ngrams=(1, 2), n_features=N_FEATURES)
    tfidf = TfidfTransformer(sublinear_tf=True).fit(ref)
    return normalize(tfidf.transform(counts))


def cosine_to_first(texts: list[str], reference: list[str] | None = None) -> np.ndarray:
    """Similarity of texts[1:] to texts[0]."""
    vectors = tfidf_vectors(texts, reference)
    return (vectors[1:] @ vectors[0].T).toarray().ravel()
