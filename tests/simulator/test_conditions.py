"""Gateway conditions: rendering `${var}` and the boolrule-compatible parser (no eval)."""

import pytest

from simulator.conditions import ConditionParseError, evaluate, references, render

CASES = [
    ("1 == 1", True),
    ("1 == 2", False),
    ("1 != 2", True),
    ("2 > 1", True),
    ("2 >= 2", True),
    ("1 < 2", True),
    ("3 <= 2", False),
    ("1.5 > 1", False),  # boolrule turns 1.5 into int(1.5) to compare with an int
    ("1.5 > 1.0", True),
    ("-1 < 0", True),
    ('"a" == "a"', True),
    ("'a' != 'b'", True),
    ("abc == 'abc'", True),  # an unquoted word is its own text
    ("abc == abd", False),
    ("1 == '1'", True),  # loose int/str coercion
    ("'2' > 1", True),
    ("true == True", True),
    ("false == False", True),
    ("1 in (1, 2, 3)", True),
    ("4 in (1, 2, 3)", False),
    ("'1' in (1, 2)", True),
    ("1 notin (2, 3)", True),
    ("'ab' in 'xaby'", True),
    ("(1, 2) issuperset (1)", True),
    ("(1) issuperset (1, 2)", False),
    ("(1) notissuperset (1, 2)", True),
    ("1 == 1 and 2 == 2", True),
    ("1 == 1 and 2 == 3", False),
    ("1 == 2 or 2 == 2", True),
    ("1 == 2 OR 2 == 3", False),
    ("(1 == 2 or 2 == 2) and 3 == 3", True),
    ("1 == 1 or 2 == 3 and 1 == 2", True),  # boolrule: no precedence, "or" short-circuits
    ("1 == 2 and 2 == 2 or 3 == 3", False),  # ... and so does "and"
    ("((1 == 1))", True),
    ("*", True),
    ("${missing} == 1", False),  # an unrendered variable is just text
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_evaluate(text, expected):
    assert evaluate(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1 ==",
        "== 1",
        "1 = 1",
        "a b == c",
        "(1 == 1",
        "1 == 1 and",
        "'open == 1",
        "hello world == 1",
    ],
)
def test_parse_errors(text):
    with pytest.raises(ConditionParseError):
        evaluate(text)


def test_type_errors_are_not_parse_errors():
    with pytest.raises(TypeError):
        evaluate("(1, 2) > 1")


def test_never_evaluates_python():
    with pytest.raises(ConditionParseError):
        evaluate("__import__('os').getcwd() == 1")


RENDER_CASES = [
    ("${a} == 1", {"a": 5}, "5 == 1"),
    ("${a}", {"a": 5}, 5),  # one whole template keeps the value's type
    ("${ a }", {"a": [1]}, [1]),
    ("${a}-${b}", {"a": "x", "b": 2}, "x-2"),
    ("${unknown} == 1", {}, "${unknown} == 1"),
    ("${a.upper()}", {"a": "x"}, "${a.upper()}"),
    (["${a}", {"k": "${a}"}], {"a": 1}, [1, {"k": 1}]),
    (7, {"a": 1}, 7),
]


@pytest.mark.parametrize(("value", "context", "expected"), RENDER_CASES)
def test_render(value, context, expected):
    assert render(value, context) == expected


def test_references_finds_mako_names_but_not_attributes():
    assert references("${a} and ${b.upper()} and ${c + d} and $ {e}") == {"a", "b", "c", "d"}
