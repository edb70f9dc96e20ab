"""The filter language of ``holdout=``, ``where=`` and ``--holdout`` / ``--where``.

A filter picks rows of a table by a condition typed as text, such as
``"C > 1e21"`` or ``"N >= 1e9 and loss < 3.5"``. The text is read by the small
parser below and evaluated with numpy on the table's columns; it is never given
to ``eval``, ``DataFrame.eval``, ``DataFrame.query`` or numexpr, so a filter can
read columns and nothing else: no attribute access, no calls other than the few
listed functions, no imports, no local variables.

The language
------------
=====================  =====================================================
columns                ``N``, ``loss``, ``val_loss``; names with spaces or
                       other characters in backticks: ```model size```
numbers                ``3``, ``0.5``, ``1e21``, ``2.5E-3``
text                   ``'a'`` or ``"a"`` (to compare text columns, e.g. ``group``)
arithmetic             ``+ - * / **`` and unary ``-``, on numeric columns
functions              ``log``, ``log10``, ``log2``, ``exp``, ``sqrt``, ``abs``
comparisons            ``< <= > >= == !=``, chained as in ``1e8 <= N < 1e9``
membership             ``seed in [0, 1]``, ``group not in ['a', 'b']``
logic                  ``and``, ``or``, ``not`` (also ``&``, ``|``, ``~``)
grouping               parentheses
=====================  =====================================================

``and`` binds tighter than ``or``; ``not`` tighter than ``and``; comparisons
tighter than ``not``. A comparison with a missing value (NaN) is false. The
whole filter must be a condition: one true/false value per row.

Limits, checked before any parsing: at most :data:`MAX_LENGTH` characters and
:data:`MAX_DEPTH` levels of nesting (parentheses, brackets, unary operators and
powers together). Numbers that overflow to infinity (``1e999999``) or underflow
to zero are refused. Every error is a :class:`~workbench.errors.FilterError`
that names the token at fault and its position.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import FilterError

__all__ = ["MAX_LENGTH", "MAX_DEPTH", "FILTER_HELP", "Filter", "parse_filter", "filter_mask"]

#: Longest filter accepted, in characters.
MAX_LENGTH = 2000
#: Deepest nesting accepted: parentheses, list brackets, unary operators and powers together.
MAX_DEPTH = 32

#: The language in a few lines, for ``--help`` texts (pre-wrapped to 80 columns).
FILTER_HELP = f"""\
filters (--holdout, --where) are conditions on the table's columns, read by the
workbench's own parser (never evaluated as Python), e.g.
    'C > 1e21'   'N >= 1e9 and loss < 3.5'   '1e8 <= N < 1e10'   'log10(C) > 21'
    'seed in [0, 1]'   "group != 'small'"   'not (`model size` > 1e9)'
allowed: column names (`backticks` around names with spaces), numbers (1e21),
quoted text, + - * / **, log log10 log2 exp sqrt abs, < <= > >= == !=, in [...],
and/or/not (also & | ~), parentheses; at most {MAX_LENGTH} characters and
{MAX_DEPTH} levels of nesting."""

_FUNCTIONS = {"log": np.log, "log10": np.log10, "log2": np.log2, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs}
_KEYWORDS = {"and", "or", "not", "in"}
# Python words a user (or an attacker) might try; named in the error instead of "unknown column".
_REFUSED_WORDS = {
    "lambda", "for", "if", "else", "import", "from", "is", "None", "True", "False", "def", "class",
    "return", "yield", "await", "async", "with", "as", "del", "global", "nonlocal", "assert", "raise",
    "try", "except", "finally", "while", "pass", "break", "continue", "elif",
}
_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
            "==": np.equal, "!=": np.not_equal}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
_EXAMPLE = "e.g. 'C > 1e21 and N >= 1e9'"

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<quoted>`[^`\n]*`)
  | (?P<str>'[^'\n]*'|"[^"\n]*")
  | (?P<op>\*\*|<=|>=|==|!=|[<>+\-*/()\[\],&|~])
    """,
    re.VERBOSE,
)
# What to say about characters that are not part of the language.
_WHY = {
    ".": "attribute access is not allowed",
    "@": "local variables are not allowed",
    "=": "use '==' to compare",
    ";": "one condition only",
    ":": "lambdas, slices and dictionaries are not allowed",
    "{": "sets and dictionaries are not allowed",
    "}": "sets and dictionaries are not allowed",
    "'": "the text is not closed by a matching quote",
    '"': "the text is not closed by a matching quote",
    "`": "the column name is not closed by a matching backtick",
    "\\": "backslashes are not allowed",
    "%": "'%' is not an operator of the language",
}


@dataclass(frozen=True)
class _Token:
    kind: str  # num, name, column, str, op, end
    text: str
    start: int
    value: object = None


@dataclass(frozen=True)
class _Node:
    kind: str  # num, str, col, list, call, neg, arith, pow, cmp, in, not, and, or
    start: int
    end: int
    value: object = None
    children: tuple = ()


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Reader:
    """Tokenizer and recursive-descent parser (the depth of its recursion is bounded by MAX_DEPTH)."""

    def __init__(self, text: str, label: str):
        self.text = text
        self.label = label
        self.tokens = self._tokenize()
        self.i = 0
        self.depth = 0

    # -- errors ---------------------------------------------------------------------------------
    def error(self, message: str, hint: bool = True) -> FilterError:
        tail = f" Filters are conditions on columns, {_EXAMPLE}." if hint else ""
        return FilterError(f"{self.label}={_shorten(self.text)!r}: {message}.{tail}")

    def at(self, tok: _Token) -> str:
        if tok.kind == "end":
            return "the end of the filter"
        return f"{_shorten(tok.text, 30)!r} at character {tok.start + 1}"

    # -- tokens ---------------------------------------------------------------------------------
    def _tokenize(self) -> list[_Token]:
        text, pos, depth, out = self.text, 0, 0, []
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                ch = text[pos]
                why = _WHY.get(ch, "it is not part of the filter language")
                raise self.error(f"{ch!r} at character {pos + 1} is refused: {why}")
            kind, tok_text = m.lastgroup, m.group()
            if kind == "num":
                end = m.end()
                if end < len(text) and (text[end].isalnum() or text[end] in "._"):
                    bad = re.match(r"[\w.]+", text[pos:]).group()
                    raise self.error(f"{_shorten(bad, 30)!r} at character {pos + 1} is not a number "
                                     "(write numbers as 3, 0.5 or 1e21)")
                value = float(tok_text)
                if not np.isfinite(value):
                    raise self.error(f"the number {_shorten(tok_text, 30)!r} at character {pos + 1} is too large "
                                     "(beyond 1.8e308)", hint=False)
                if value == 0 and re.search(r"[1-9]", tok_text.split("e")[0].split("E")[0]):
                    raise self.error(f"the number {_shorten(tok_text, 30)!r} at character {pos + 1} is too small "
                                     "(it rounds to 0)", hint=False)
                out.append(_Token("num", tok_text, pos, value))
            elif kind == "name":
                out.append(_Token("name", tok_text, pos))
            elif kind == "quoted":
                out.append(_Token("column", tok_text, pos, tok_text[1:-1]))
            elif kind == "str":
                out.append(_Token("str", tok_text, pos, tok_text[1:-1]))
            elif kind == "op":
                if tok_text in "([":
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise self.error(f"more than {MAX_DEPTH} nested brackets (at character {pos + 1})", hint=False)
                elif tok_text in ")]":
                    depth -= 1
                out.append(_Token("op", tok_text, pos))
            pos = m.end()
        out.append(_Token("end", "", len(text)))
        return out

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.text in ops

    def is_word(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "name" and tok.text in words

    def expect(self, op: str, opened: _Token) -> _Token:
        if not self.is_op(op):
            raise self.error(f"expected {op!r} to close {opened.text!r} at character {opened.start + 1}, "
                             f"found {self.at(self.peek())}")
        return self.take()

    def nested(self, tok: _Token, parse) -> _Node:
        """``parse()`` one level deeper (``tok`` opened the level), refusing more than ``MAX_DEPTH`` levels."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"more than {MAX_DEPTH} levels of nesting (at character {tok.start + 1})", hint=False)
        node = parse()
        self.depth -= 1
        return node

    # -- grammar --------------------------------------------------------------------------------
    def parse(self) -> _Node:
        if self.peek().kind == "end":
            raise self.error("the filter is empty")
        node = self.parse_or()
        if self.peek().kind != "end":
            raise self.unexpected(self.peek())
        return node

    def unexpected(self, tok: _Token) -> FilterError:
        if tok.kind == "end":
            return self.error("the filter ends where a value is expected")
        if tok.kind == "name" and tok.text in _REFUSED_WORDS:
            return self.error(f"{self.at(tok)} is not supported in filters")
        return self.error(f"unexpected {self.at(tok)}")

    def _chain(self, kind: str, words: tuple, sub) -> _Node:
        first = sub()
        items = [first]
        while self.is_word(*words) or self.is_op(*words):
            self.take()
            items.append(sub())
        if len(items) == 1:
            return first
        return _Node(kind, first.start, items[-1].end, children=tuple(items))

    def parse_or(self) -> _Node:
        return self._chain("or", ("or", "|"), self.parse_and)

    def parse_and(self) -> _Node:
        return self._chain("and", ("and", "&"), self.parse_not)

    def parse_not(self) -> _Node:
        if self.is_word("not") or self.is_op("~"):
            tok = self.take()
            inner = self.nested(tok, self.parse_not)
            return _Node("not", tok.start, inner.end, children=(inner,))
        return self.parse_comparison()

    def parse_comparison(self) -> _Node:
        first = self.parse_sum()
        if self.is_word("in") or (self.is_word("not") and self.tokens[self.i + 1].text == "in"):
            negate = self.take().text == "not"
            if negate:
                self.take()
            items = self.parse_list()
            return _Node("in", first.start, items.end, value=negate, children=(first, items))
        ops, operands = [], [first]
        while self.is_op(*_COMPARE):
            ops.append(self.take().text)
            operands.append(self.parse_sum())
        if not ops:
            return first
        return _Node("cmp", first.start, operands[-1].end, value=tuple(ops), children=tuple(operands))

    def parse_list(self) -> _Node:
        if not self.is_op("["):
            raise self.error(f"'in' needs a list such as [1, 2], found {self.at(self.peek())}")
        opened = self.take()
        items = []
        while not self.is_op("]"):
            tok = self.peek()
            sign = 1.0
            if tok.kind == "op" and tok.text == "-":
                self.take()
                sign, tok = -1.0, self.peek()
            if tok.kind == "num":
                items.append(sign * tok.value)
            elif tok.kind == "str" and sign == 1.0:
                items.append(tok.value)
            else:
                raise self.error(f"a list after 'in' holds numbers or quoted text only, found {self.at(tok)}")
            self.take()
            if self.is_op(","):
                self.take()
            elif not self.is_op("]"):
                raise self.error(f"expected ',' or ']' in the list, found {self.at(self.peek())}")
        close = self.expect("]", opened)
        kinds = {isinstance(v, str) for v in items}
        if len(kinds) > 1:
            raise self.error(f"the list at character {opened.start + 1} mixes numbers and text")
        return _Node("list", opened.start, close.start + 1, value=tuple(items))

    def parse_sum(self) -> _Node:
        return self._arith(self.parse_term, ("+", "-"))

    def parse_term(self) -> _Node:
        return self._arith(self.parse_unary, ("*", "/"))

    def _arith(self, sub, ops) -> _Node:
        first = sub()
        rest = []
        while self.is_op(*ops):
            op = self.take().text
            rest.append((op, sub()))
        if not rest:
            return first
        return _Node("arith", first.start, rest[-1][1].end, value=tuple(op for op, _ in rest),
                     children=(first, *(n for _, n in rest)))

    def parse_unary(self) -> _Node:
        if self.is_op("-", "+"):
            tok = self.take()
            inner = self.nested(tok, self.parse_unary)
            return inner if tok.text == "+" else _Node("neg", tok.start, inner.end, children=(inner,))
        return self.parse_power()

    def parse_power(self) -> _Node:
        base = self.parse_atom()
        if self.is_op("**"):
            tok = self.take()
            exponent = self.nested(tok, self.parse_unary)
            return _Node("pow", base.start, exponent.end, children=(base, exponent))
        return base

    def parse_atom(self) -> _Node:
        tok = self.take()
        end = tok.start + len(tok.text)
        if tok.kind == "num":
            return _Node("num", tok.start, end, value=tok.value)
        if tok.kind == "str":
            return _Node("str", tok.start, end, value=tok.value)
        if tok.kind == "column":
            if not tok.value.strip():
                raise self.error(f"empty column name {self.at(tok)}")
            return _Node("col", tok.start, end, value=tok.value)
        if tok.kind == "name":
            if tok.text in _KEYWORDS:
                raise self.error(f"{self.at(tok)} needs a value before it")
            if tok.text in _REFUSED_WORDS:
                raise self.unexpected(tok)
            if self.is_op("("):
                if tok.text not in _FUNCTIONS:
                    raise self.error(f"{self.at(tok)} is not a function of the filter language "
                                     f"(functions: {', '.join(_FUNCTIONS)})")
                opened = self.take()
                arg = self.nested(opened, self.parse_sum)
                close = self.expect(")", opened)
                return _Node("call", tok.start, close.start + 1, value=tok.text, children=(arg,))
            return _Node("col", tok.start, end, value=tok.text)
        if tok.kind == "op" and tok.text == "(":
            inner = self.nested(tok, self.parse_or)
            close = self.expect(")", tok)
            return _Node(inner.kind, tok.start, close.start + 1, inner.value, inner.children)
        if tok.kind == "op" and tok.text == "[":
            raise self.error(f"a list {self.at(tok)} may only follow 'in'")
        raise self.unexpected(tok)


def _columns(node: _Node, out: list) -> list:
    if node.kind == "col" and node.value not in out:
        out.append(node.value)
    for child in node.children:
        _columns(child, out)
    return out


class Filter:
    """A parsed filter: its ``text``, the :attr:`columns` it reads, and :meth:`mask` to apply it.

    Build one with :func:`parse_filter`.
    """

    def __init__(self, text: str, tree: _Node, label: str):
        self.text = text
        self.label = label
        self._tree = tree
        #: Names of the columns the filter reads, in order of first appearance.
        self.columns: tuple[str, ...] = tuple(_columns(tree, []))

    def __repr__(self) -> str:
        return f"Filter({self.text!r})"

    def _error(self, message: str) -> FilterError:
        end = "" if message.endswith(("?", ".")) else "."
        return FilterError(f"{self.label}={_shorten(self.text)!r}: {message}{end}")

    def _part(self, node: _Node) -> str:
        return f"{_shorten(self.text[node.start:node.end], 40)!r} (character {node.start + 1})"

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        """Evaluate on ``table``: a boolean array with one value per row.

        Raises
        ------
        FilterError
            An unknown column, a column of the wrong type, or a filter that is
            not a condition on the rows.
        """
        names = [str(c) for c in table.columns]
        unknown = [c for c in self.columns if c not in names]
        if unknown:
            close = difflib.get_close_matches(unknown[0], names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise self._error(f"unknown column {unknown[0]!r}; the table's columns are {names}.{hint}")
        evaluation = copy.copy(self)  # one evaluator per call, so that a Filter can be shared between threads
        evaluation._table = table
        kind, value = evaluation._eval(self._tree)
        if kind != "bool":
            raise self._error(f"{self._part(self._tree)} is not a condition (true/false per row); "
                              f"compare it with something, {_EXAMPLE}")
        if np.ndim(value) == 0:
            raise self._error("the filter reads no column, so it is the same for every row; "
                              f"compare a column, {_EXAMPLE}")
        return np.asarray(value, bool)

    # -- evaluation: (kind, value) with kind in num, str, bool, list ------------------------------
    def _column(self, node: _Node):
        series = self._table[node.value]
        if isinstance(series, pd.DataFrame):
            raise self._error(f"column {node.value!r} appears more than once in the table")
        dtype = series.dtype
        if pd.api.types.is_bool_dtype(dtype):
            return "bool", series.fillna(False).to_numpy(bool)
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_timedelta64_dtype(dtype):
            return "num", series.to_numpy(dtype=float, na_value=np.nan)
        if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
            raise self._error(f"column {node.value!r} holds dates or durations; filters compare numbers and text")
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype) or isinstance(
                dtype, pd.CategoricalDtype):
            return "str", series.astype(object).to_numpy()
        raise self._error(f"column {node.value!r} has type {dtype}; filters compare numbers and text")

    def _num(self, node: _Node):
        kind, value = self._eval(node)
        if kind != "num":
            what = {"str": "text", "bool": "a condition", "list": "a list"}[kind]
            raise self._error(f"{self._part(node)} is {what}, not a number; arithmetic needs numbers")
        return value

    def _cond(self, node: _Node):
        kind, value = self._eval(node)
        if kind != "bool":
            raise self._error(f"{self._part(node)} is not a condition (true/false per row); "
                              "'and', 'or' and 'not' combine conditions such as 'N > 1e9'")
        return value

    def _eval(self, node: _Node):
        k = node.kind
        if k == "num":
            return "num", node.value
        if k == "str":
            return "str", node.value
        if k == "col":
            return self._column(node)
        if k == "list":
            return "list", node.value
        with np.errstate(all="ignore"):
            if k == "neg":
                return "num", np.negative(self._num(node.children[0]))
            if k == "call":
                return "num", _FUNCTIONS[node.value](self._num(node.children[0]))
            if k == "pow":
                return "num", np.power(self._num(node.children[0]), self._num(node.children[1]))
            if k == "arith":
                value = self._num(node.children[0])
                for op, child in zip(node.value, node.children[1:]):
                    value = _ARITH[op](value, self._num(child))
                return "num", value
            if k == "not":
                return "bool", np.logical_not(self._cond(node.children[0]))
            if k in ("and", "or"):
                combine = np.logical_and if k == "and" else np.logical_or
                value = self._cond(node.children[0])
                for child in node.children[1:]:
                    value = combine(value, self._cond(child))
                return "bool", value
            if k == "cmp":
                return "bool", self._compare(node)
            if k == "in":
                return "bool", self._member(node)
        raise AssertionError(f"unknown node {k}")  # pragma: no cover - the parser makes only the kinds above

    def _compare(self, node: _Node):
        evaluated = [self._eval(child) for child in node.children]
        result = True
        for op, (a_node, (ka, a)), (b_node, (kb, b)) in zip(
                node.value, zip(node.children, evaluated), zip(node.children[1:], evaluated[1:])):
            if ka != kb or ka == "list":
                raise self._error(f"cannot compare {self._part(a_node)} with {self._part(b_node)}: "
                                  "compare numbers with numbers, text with text")
            if ka in ("str", "bool") and op not in ("==", "!="):
                raise self._error(f"{op!r} does not order {'text' if ka == 'str' else 'conditions'}: "
                                  "use '==' or '!='")
            if ka == "str":
                a_arr, b_arr = np.asarray(a, object), np.asarray(b, object)
                part = np.asarray(a_arr == b_arr, bool) if op == "==" else np.asarray(a_arr != b_arr, bool)
            else:
                part = _COMPARE[op](a, b)
            result = np.logical_and(result, part)
        return result

    def _member(self, node: _Node):
        left, items = node.children
        kind, value = self._eval(left)
        values = items.value
        want = "str" if values and isinstance(values[0], str) else "num"
        if values and kind != want:
            raise self._error(f"{self._part(left)} is {'text' if kind == 'str' else 'not text'} but the list "
                              f"holds {'text' if want == 'str' else 'numbers'}")
        if kind not in ("num", "str"):
            raise self._error(f"{self._part(left)} must be a column or a number to look up in a list")
        found = np.isin(np.asarray(value, object if kind == "str" else float), np.asarray(values, object if kind == "str" else float))
        return np.logical_not(found) if node.value else found


def parse_filter(text, *, label: str = "filter") -> Filter:
    """Parse a filter such as ``"C > 1e21 and N >= 1e9"`` (see the module docstring for the language).

    Parameters
    ----------
    text : str
        The filter.
    label : str
        How error messages name the filter, e.g. ``"holdout"`` or ``"--where"``.

    Returns
    -------
    Filter
        Apply it with :meth:`Filter.mask`.

    Raises
    ------
    FilterError
        The text is not a string, longer than :data:`MAX_LENGTH`, nested deeper than
        :data:`MAX_DEPTH`, or not in the language; the message names the token at fault.
    """
    if not isinstance(text, str):
        raise FilterError(f"{label} must be text such as 'C > 1e21', not a {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise FilterError(f"{label} is {len(text):,} characters long; filters may be at most {MAX_LENGTH:,}.")
    return Filter(text, _Reader(text, label).parse(), label)


def filter_mask(table: pd.DataFrame, text, *, label: str = "filter") -> np.ndarray:
    """Boolean mask of the rows of ``table`` where the filter ``text`` holds.

    Shorthand for ``parse_filter(text, label=label).mask(table)``.

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"N": [1e8, 1e9, 1e10], "loss": [3.1, 2.8, 2.5]})
    >>> filter_mask(runs, "N >= 1e9 and loss < 2.7").tolist()
    [False, False, True]
    """
    return parse_filter(text, label=label).mask(table)
