"""Names in either script: the search form of a name is its Simplified-script (OpenCC t2s), lowercased
form, so a Traditional query finds a Simplified name and back."""

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def search_form(text: str) -> str:
    """The form names are searched in: Simplified script, lowercased, without spaces."""
    if not text:
        return ""
    return _t2s().convert(text).lower().replace(" ", "").replace("\u3000", "")


def search_forms(texts: list[str]) -> list[str]:
    """search_form for many texts in one call to OpenCC (texts must not contain newlines)."""
    if not texts:
        return []
    converted = _t2s().convert("\n".join(texts)).lower().replace(" ", "").replace("\u3000", "").split("\n")
    if len(converted) != len(texts):  # a converter that changed the line count: go one by one
        return [search_form(t) for t in texts]
    return converted
