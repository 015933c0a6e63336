"""Text normalisation for the insight models: one script (Simplified, via OpenCC), one width
(NFKC), one kind of whitespace. Pure functions, no Django."""

import re
import unicodedata
from functools import lru_cache

import opencc

_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Traditional or Simplified in, Simplified out; full-width forms folded; spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _to_simplified().convert(text)
    return _SPACE.sub(" ", text).strip()


def chinese_share(text: str) -> float:
    """The share of letters that are Chinese characters (0 when there are no letters)."""
    letters = _LETTER.findall(text or "")
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _CJK.match(ch)) / len(letters)


def is_chinese(text: str, minimum: float = 0.5) -> bool:
    return chinese_share(text) >= minimum
