"""Simplified → Traditional script conversion with OpenCC (the Hong Kong standard, which writes 台賬
and 鄰裏 as the Quanzhou source text does)."""

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2hk")


def to_traditional(text: str) -> str:
    return _converter().convert(text) if text else text
