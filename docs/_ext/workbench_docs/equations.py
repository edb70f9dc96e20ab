"""The catalogue's plain-text equations as TeX, for the law gallery.

Each law declares its formula in plain text (``L(N, D) = E + A / N^alpha + B / D^beta``);
this module reads that notation and writes TeX that MathML renders:

- Greek names (``alpha``, ``eps``, ``lambda``) become letters; ``exp``, ``log``,
  ``ln``, ``sum``, ``min``, ``max`` become operators.
- ``x^y``, ``x^-y``, ``x^(...)`` and ``x^[...]`` become superscripts; ``N_c``,
  ``m_{i-1}``, ``B_crit`` subscripts; ``c0`` becomes ``c_0``; ``R*_D`` and ``B*`` carry a
  star; ``N'`` a prime; ``<=`` is ``\\le``.
- Other words of several letters are upright names (``Err``, ``PU``, ``lr``); words of
  prose (``fitted as``) and a trailing remark in parentheses after two spaces
  (``(tokens; L in nats/token)``) are text.
- Clauses separated by a comma and two spaces (``L = ...,  D' = ...``) are returned
  separately, one display line each; a clause without ``=`` is a remark, set as text.
"""

from __future__ import annotations

import re

__all__ = ["equation_tex"]

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu",
    "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Sigma",
    "Phi", "Psi", "Omega",
}
GREEK_ALIASES = {"eps": r"\varepsilon"}
OPERATORS = {"exp": r"\exp", "log": r"\log", "ln": r"\ln", "sum": r"\sum", "min": r"\min", "max": r"\max",
             "sqrt": r"\sqrt", "prod": r"\prod"}
PROSE = {"as", "in", "and", "or", "for", "with", "where", "if", "of", "at", "is", "fitted", "when", "else", "otherwise"}

_TOKEN = re.compile(
    r"\s+|<=|>=|!=|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z][A-Za-z0-9]*|\\.|[-+*/^_=(),\[\]{}'<>.;:|]|."
)


def _name(word: str) -> str:
    """One identifier as TeX: Greek letter, operator, ``c0 -> c_0``, or an upright name."""
    if word in GREEK:
        return "\\" + word
    if word in GREEK_ALIASES:
        return GREEK_ALIASES[word]
    if word in OPERATORS:
        return OPERATORS[word]
    m = re.fullmatch(r"([A-Za-z]+?)(\d+)", word)
    if m:
        return f"{_name(m.group(1))}_{{{m.group(2)}}}"
    if len(word) == 1:
        return word
    return rf"\mathrm{{{word}}}"


class _Reader:
    def __init__(self, text: str):
        self.tokens = [t for t in _TOKEN.findall(text) if not t.isspace()]
        self.i = 0

    def peek(self, k: int = 0):
        j = self.i + k
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    # an atom: a name with its decorations, a number, or a bracketed group
    def atom(self) -> str:
        tok = self.take()
        if tok is None:
            return ""
        if tok in "([{":
            close = {"(": ")", "[": "]", "{": "}"}[tok]
            inner = self.sequence(stop=close)
            self.take()  # the closing bracket (absent at the end of malformed text: tolerated)
            left, right = {"(": ("(", ")"), "[": ("[", "]"), "{": (r"\{", r"\}")}[tok]
            return self.decorate(rf"\left{left} {inner} \right{right}")
        if tok == "-":
            return "-"
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", tok):
            return self.decorate(_name(tok), word=tok)
        if re.fullmatch(r"\d.*", tok):
            return self.decorate(tok)
        return {"<=": r"\le", ">=": r"\ge", "!=": r"\ne", "*": r"\cdot", "<": "<", ">": ">", "|": "|",
                "%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$", "~": r"\sim"}.get(tok, tok)

    def script(self) -> str:
        """What follows ``^`` or ``_``: a braced/bracketed group, a signed atom, or one atom."""
        tok = self.peek()
        if tok in ("(", "{"):
            self.take()
            inner = self.sequence(stop=")" if tok == "(" else "}")
            self.take()
            return inner
        sign = ""
        if tok == "-":
            self.take()
            sign = "-"
        return sign + self.atom_plain()

    def atom_plain(self) -> str:
        """A name with its subscript (``N^alpha_D`` is N to the power alpha_D), or a number."""
        tok = self.take()
        if tok is None:
            return ""
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", tok):
            base = _name(tok)
            if self.peek() == "_":
                self.take()
                base = f"{base}_{{{self.script()}}}"
            return base
        return tok

    def decorate(self, base: str, word: str | None = None) -> str:
        sub, sups, prime = "", [], ""
        while True:
            tok = self.peek()
            if tok == "*" and self.peek(1) in (None, "_", "/", ")", "]", ",", "=", "+", "-", "("):
                self.take()
                sups.append("*")
            elif tok == "'":
                self.take()
                prime += "'"
            elif tok == "_" and not sub:
                self.take()
                sub = self.script()
            elif tok == "^":
                self.take()
                sups.append(self.script())
            else:
                break
        out = base + prime
        if sub:
            out += f"_{{{sub}}}"
        if sups:
            out += "^{" + " ".join(sups) + "}"
        return out

    def sequence(self, stop: str | None = None) -> str:
        parts: list[str] = []
        prose: list[str] = []

        def flush():
            if prose:
                parts.append(r"\text{" + " ".join(prose) + r"}\;")
                prose.clear()

        while self.peek() is not None and self.peek() != stop:
            tok = self.peek()
            if tok in (")", "]", "}"):  # an unmatched closing bracket: keep it as a symbol
                self.take()
                parts.append(tok if tok != "}" else r"\}")
                continue
            if tok in PROSE or (re.fullmatch(r"[a-z]{5,}", tok) and tok not in GREEK and tok not in OPERATORS):
                prose.append(self.take())
                continue
            flush()
            parts.append(self.atom())
        flush()
        return " ".join(p for p in parts if p)


def _clauses(text: str) -> list[str]:
    """Split at commas followed by two spaces outside brackets; the catalogue's clause separator."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0 and text[i + 1 : i + 3] == "  ":
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [c.strip() for c in out if c.strip()]


def _escape_text(s: str) -> str:
    return re.sub(r"([#$%&_{}\\])", r"\\\1", s)


def equation_tex(equation: str) -> list[str]:
    """TeX lines for a catalogue equation (one per clause), ready for ``.. math::``.

    ``equation_tex("L(N) = E + A / N^alpha")`` is ``["L \\left( N \\right) = E + A / N^{\\alpha}"]``.
    """
    lines = []
    for clause in _clauses(equation.strip()):
        remark = ""
        m = re.search(r"\s{2,}(\(.*\))\s*$", clause)
        if m:
            remark = r"\quad\text{" + _escape_text(m.group(1)) + "}"
            clause = clause[: m.start()]
        if "=" not in clause:  # a remark in words ("one output per domain i", "E_hat as in Clark et al. 2022")
            lines.append(r"\text{" + _escape_text(clause) + "}" + remark)
            continue
        parts = re.split(r",\s+(?=[a-z]{2,}\b)", clause)  # "..., fitted as ..." : a prose clause
        tex = r",\quad ".join(_Reader(p).sequence() for p in parts)
        lines.append((tex + remark).strip())
    return lines
