"""Which language an answer speaks: bk-sops defaults to Chinese and honours Accept-Language."""

from __future__ import annotations

from typing import Literal

from starlette.requests import Request

from .inbound import HeaderMap, header

Language = Literal["zh", "en"]


def language_of(request: Request, headers: HeaderMap) -> Language:
    # Parsing cookies costs more than the rest of this function: only do it when there are any.
    cookie = request.cookies.get("blueking_language", "") if b"cookie" in headers else ""
    accept = header(headers, b"accept-language") or ""
    if not (cookie or accept):
        return "zh"
    first = (cookie or accept).split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def pick(language: Language, zh: str, en: str) -> str:
    return en if language == "en" else zh
