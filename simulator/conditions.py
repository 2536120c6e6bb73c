"""Gateway conditions: `${var}` rendering and a small boolrule-compatible parser (never eval).

Grammar (as bamboo's boolrule): expr := cond (("and" | "or") expr)*; cond := value op value
| "(" expr ")"; value := simple | "(" simple ("," simple)* ")"; simple := real | int | quoted
string | true/false | identifier path. Operators: == != < > <= >= in notin issuperset
notissuperset. Identifiers are not looked up: like boolrule called without a context, an
unquoted word stands for its own text, so a rendered `${name} == "abc"` compares strings.
"and"/"or" have no precedence: they short-circuit left to right, exactly as boolrule does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TEMPLATE = re.compile(r"\$\{[^${}#]+\}")
_IDENT = r"(?:\$\{)?_?[A-Za-z][A-Za-z0-9_]*\}?"
_PATH = re.compile(rf"{_IDENT}(?:\.{_IDENT})*")
_REAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+)(?:[Ee][+-]?\d+)?")
_INT = re.compile(r"[+-]?\d+(?![\d.])")
_BOOL = re.compile(r"true|false", re.IGNORECASE)
_OPERATOR = re.compile(r"==|!=|>=|<=|<|>|notissuperset|issuperset|notin|in", re.IGNORECASE)
_CONNECTOR = re.compile(r"(and|or)(?![A-Za-z0-9_$])", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConditionParseError(ValueError):
    """The expression does not follow the grammar (boolrule's ParseException)."""


@dataclass(frozen=True, slots=True)
class Compare:
    left: Any
    operator: str
    right: Any


@dataclass(frozen=True, slots=True)
class Expression:
    items: tuple[Any, ...]  # Compare | Expression, with "and"/"or" between them


def references(text: str) -> set[str]:
    """Names used inside the `${...}` templates of a string (a Mako expression's variables)."""
    names: set[str] = set()
    for template in TEMPLATE.findall(text):
        inner = template[2:-1]
        for match in _NAME.finditer(inner):
            start = match.start()
            if start == 0 or inner[start - 1] != ".":
                names.add(match.group())
    return names


def render(value: Any, context: Mapping[str, Any]) -> Any:
    """Substitute `${name}` from `context`; a string that is one template keeps the value's type.

    Templates that are not a plain known name are left as they are (Mako would evaluate them;
    bamboo keeps the text when rendering fails).
    """
    if isinstance(value, str):
        templates = TEMPLATE.findall(value)
        if not templates:
            return value
        if len(templates) == 1 and templates[0] == value:
            name = value[2:-1].strip()
            if name in context:
                return context[name]
        for template in set(templates):
            name = template[2:-1].strip()
            if name in context:
                value = value.replace(template, str(context[name]))
        return value
    if isinstance(value, list):
        return [render(item, context) for item in value]
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    return value


def parse(text: str) -> Expression:
    parser = _Parser(text)
    expression = parser.expression()
    parser.skip_space()
    if parser.pos != len(text):
        raise ConditionParseError(f"unexpected text at {parser.pos}: {text[parser.pos :]!r}")
    return expression


def evaluate(text: str) -> bool:
    """Evaluate an already rendered condition; parse errors raise ConditionParseError."""
    if text == "*":
        return True
    return _test(parse(text))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def take(self, pattern: re.Pattern[str]) -> str | None:
        self.skip_space()
        match = pattern.match(self.text, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return match.group()

    def literal(self, char: str) -> bool:
        self.skip_space()
        if self.text.startswith(char, self.pos):
            self.pos += 1
            return True
        return False

    def expression(self) -> Expression:
        items: list[Any] = [self.condition()]
        while True:
            start = self.pos
            connector = self.take(_CONNECTOR)
            if connector is None:
                break
            try:
                items.append(connector.lower())
                items.extend(self.expression().items)
            except ConditionParseError:
                # boolrule's ZeroOrMore backs off; the caller then fails on the leftover text
                del items[-1]
                self.pos = start
                break
        return Expression(tuple(items))

    def condition(self) -> Compare | Expression:
        start = self.pos
        try:
            left = self.value()
            operator = self.take(_OPERATOR)
            if operator is None:
                raise ConditionParseError(f"expected an operator at {self.pos}")
            return Compare(left, operator.lower(), self.value())
        except ConditionParseError:
            self.pos = start
        if not self.literal("("):
            raise ConditionParseError(f"expected a condition at {self.pos}")
        inner = self.expression()
        if not self.literal(")"):
            raise ConditionParseError(f"expected ')' at {self.pos}")
        return inner

    def value(self) -> Any:
        start = self.pos
        if self.literal("("):
            values = [self.simple()]
            while self.literal(","):
                values.append(self.simple())
            if self.literal(")"):
                return values
            self.pos = start
            raise ConditionParseError(f"expected ')' at {self.pos}")
        return self.simple()

    def simple(self) -> Any:
        self.skip_space()
        if (text := self.take(_REAL)) is not None:
            return float(text)
        if (text := self.take(_INT)) is not None:
            return int(text)
        if self.pos < len(self.text) and self.text[self.pos] in "\"'":
            quote = self.text[self.pos]
            end = self.text.find(quote, self.pos + 1)
            if end < 0 or "\n" in self.text[self.pos : end]:
                raise ConditionParseError(f"unterminated string at {self.pos}")
            value = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return value
        if (text := self.take(_BOOL)) is not None:
            return text.lower() == "true"
        if (text := self.take(_PATH)) is not None:
            return text
        raise ConditionParseError(f"expected a value at {self.pos}")


def _test(expression: Expression) -> bool:
    passed = False
    for item in expression.items:
        if item == "or":
            if passed:
                return True
        elif item == "and":
            if not passed:
                return False
        elif isinstance(item, Expression):
            passed = _test(item)
        else:
            passed = _compare(item)
    return passed


def _coerce(left: Any, right: Any, operator: str) -> tuple[Any, Any]:
    # boolrule's loose typing: compare ints with ints and strings with strings when possible
    if operator in ("in", "notin"):
        if isinstance(right, list) and right:
            extra: list[Any] = []
            for item in right:
                try:
                    if isinstance(left, int):
                        extra.append(int(item))
                    elif isinstance(left, str):
                        extra.append(str(item))
                except (TypeError, ValueError):
                    pass
            right = right + extra
    elif operator in ("issuperset", "notissuperset"):
        left = [left] if isinstance(left, str) else left
        right = [right] if isinstance(right, str) else right
    else:
        try:
            if isinstance(left, int):
                right = int(right)
            elif isinstance(right, int):
                left = int(left)
            if isinstance(left, str):
                right = str(right)
            elif isinstance(right, str):
                left = str(left)
        except (TypeError, ValueError):
            pass
    return left, right


def _compare(item: Compare) -> bool:
    left, right = _coerce(item.left, item.right, item.operator)
    op = item.operator
    result: bool
    if op == "==":
        result = left == right
    elif op == "!=":
        result = left != right
    elif op == ">":
        result = left > right
    elif op == ">=":
        result = left >= right
    elif op == "<":
        result = left < right
    elif op == "<=":
        result = left <= right
    elif op == "in":
        result = left in right
    elif op == "notin":
        result = left not in right
    elif op == "issuperset":
        result = set(left).issuperset(set(right))
    else:
        result = not set(left).issuperset(set(right))
    return bool(result)


def names_of(values: Sequence[Any]) -> str:
    """Python's list repr, used by the "multiple conditions meet: [...]" message."""
    return repr(list(values))
