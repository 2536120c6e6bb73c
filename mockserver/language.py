"""Which language an answer speaks: bk-sops defaults to Chinese and honours Accept-Language."""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request

Language = Literal["zh", "en"]


def language_of(request: Request) -> Language:
    cookie = request.cookies.get("blueking_language", "")
    header = request.headers.get("accept-language", "")
    first = (cookie or header).split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def pick(language: Language, zh: str, en: str) -> str:
    return en if language == "en" else zh
