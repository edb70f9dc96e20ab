"""The filter language of holdout= / where= / --holdout / --where: what it means, and what it refuses.

The injection tests try what an attacker would put in a shared config or a CI parameter (shell calls,
file writes, attribute access, dunders, lambdas, comprehensions, huge numbers, deep nesting, a 1 MB
expression) through the Python API and through the command line, and check three things each time:
a WorkbenchError (exit status 2 and one line on the command line), no file created, and nothing run:
no module imported, and no audit event for code compilation, process start or file writing.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.cli import main as cli_main
from workbench.data.filters import MAX_DEPTH, MAX_LENGTH, Filter, filter_mask, parse_filter
from workbench.errors import FilterError, WorkbenchError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def table():
    return pd.DataFrame({
        "N": [1e8, 1e9, 1e10, 1e11],
        "D": [2e9, 2e10, 2e11, 2e12],
        "loss": [3.1, 2.8, np.nan, 2.2],
        "group": ["a", "b", "a", "c"],
        "model size": [1, 2, 3, 4],
        "done": [True, False, True, True],
        "seed": [0, 1, 2, 0],
    })


# ---------------------------------------------------------------------------------------------------
# what filters mean

@pytest.mark.parametrize("text,expected", [
    ("N >= 1e9", [0, 1, 1, 1]),
    ("N >= 1e9 and loss < 2.9", [0, 1, 0, 1]),        # NaN compares false
    ("N < 1e9 or loss < 2.5", [1, 0, 0, 1]),
    ("not loss < 2.9", [1, 0, 1, 0]),                  # so its negation is true
    ("1e8 < N <= 1e10", [0, 1, 1, 0]),                 # chained comparison
    ("(N > 1e9) & (D < 1e12) | (seed == 1)", [0, 1, 1, 0]),
    ("~done", [0, 1, 0, 0]),
    ("done and N > 1e9", [0, 0, 1, 1]),
    ("group == 'a'", [1, 0, 1, 0]),
    ('group != "a"', [0, 1, 0, 1]),
    ("group in ['a', 'c']", [1, 0, 1, 1]),
    ("group not in ['a']", [0, 1, 0, 1]),
    ("seed in [0, 2]", [1, 0, 1, 1]),
    ("seed in [-1]", [0, 0, 0, 0]),
    ("`model size` >= 3", [0, 0, 1, 1]),
    ("6 * N * D > 1e21", [0, 0, 1, 1]),
    ("D / N == 20", [1, 1, 1, 1]),
    ("N - 1e9 + 1 > 0", [0, 1, 1, 1]),
    ("-N > -5e9", [1, 1, 0, 0]),
    ("N ** 0.5 >= 1e5", [0, 0, 1, 1]),
    ("log10(N) > 9.5", [0, 0, 1, 1]),
    ("abs(log(N) - log(1e9)) < 1", [0, 1, 0, 0]),
    ("sqrt(N) > 1e4 and exp(-loss) > 0.05 and log2(seed + 1) >= 0", [0, 1, 0, 1]),
    ("N>1e9", [0, 0, 1, 1]),
    ("  N  >  .5E10  ", [0, 0, 1, 1]),
])
def test_filters_select_the_right_rows(text, expected):
    assert filter_mask(table(), text).tolist() == [bool(x) for x in expected]


def test_parse_once_apply_many():
    f = parse_filter("C > 1e21 and N >= 1e9 or `model size` > 2")
    assert isinstance(f, Filter) and f.columns == ("C", "N", "model size")
    runs = pd.DataFrame({"C": [1e20, 1e22], "N": [1e9, 1e9], "model size": [1, 1]})
    assert f.mask(runs).tolist() == [False, True]


def test_holdout_and_where_use_the_language():
    N = np.logspace(7, 10, 12)
    runs = pd.DataFrame({"N": N, "D": 20 * N, "loss": 1.8 + 300 * N**-0.3})
    fit = wb.fit("power_law_N", runs, holdout="N > 3e9 and D > 0", bootstrap=0)
    assert fit.holdout_error["n"] == int((N > 3e9).sum())


@pytest.mark.parametrize("text,words", [
    ("nope > 1", "unknown column 'nope'"),
    ("Loss < 3", "unknown column 'Loss'.*Did you mean 'loss'"),
    ("loss", "'loss' .* is not a condition"),
    ("1", "'1' .* is not a condition"),
    ("N + D", "'N \\+ D' .* is not a condition"),
    ("1 < 2", "reads no column"),
    ("N and loss < 3", "'N' .* is not a condition"),
    ("not N", "'N' .* is not a condition"),
    ("group > 'a'", "'>' does not order text"),
    ("loss < 'a'", "cannot compare 'loss'"),
    ("group + 1 > 0", "'group' .* is text, not a number"),
    ("(N > 1) * 2 > 0", "is a condition, not a number"),
    ("seed in ['a']", "'seed' .* is not text but the list holds text"),
    ("N in [1, 'a']", "mixes numbers and text"),
    ("N in 3", "'in' needs a list"),
    ("N in [D]", "holds numbers or quoted text only, found 'D'"),
    ("", "empty"),
    ("N >", "ends where a value is expected"),
    ("N > (1", "expected '\\)' to close '\\(' at character 5"),
    ("N > 1)", "unexpected '\\)' at character 6"),
    ("N = 1", "'=' at character 3 .*use '=='"),
    ("N > 1e", "'1e' at character 5 is not a number"),
    ("N > 0x10", "'0x10' at character 5 is not a number"),
    ("N > 1.2.3", "'1.2.3' at character 5 is not a number"),
    ("group == 'a", "not closed by a matching quote"),
    ("`model size > 2", "not closed by a matching backtick"),
    ("N > 1 % 2", "'%' at character 7"),
    ("True", "'True' at character 1 is not supported"),
    ("N is None", "'is' at character 3 is not supported"),
    ("N > 1e400", "'1e400' at character 5 is too large"),
    ("N > 1e-400", "'1e-400' at character 5 is too small"),
])
def test_bad_filters_name_the_token_at_fault(text, words):
    with pytest.raises(FilterError, match=words) as info:
        filter_mask(table(), text, label="where")
    assert str(info.value).startswith(f"where={text!r}") and "\n" not in str(info.value)


def test_date_columns_are_refused_by_name():
    runs = table().assign(when=pd.date_range("2024-01-01", periods=4))
    with pytest.raises(FilterError, match="column 'when' holds dates"):
        filter_mask(runs, "when > 0")


def test_limits_are_checked_before_parsing():
    assert MAX_LENGTH >= 200 and MAX_DEPTH >= 8
    ok = "(" * MAX_DEPTH + "N > 1" + ")" * MAX_DEPTH
    assert filter_mask(table(), ok).all()
    with pytest.raises(FilterError, match=f"more than {MAX_DEPTH} nested brackets"):
        parse_filter("(" * (MAX_DEPTH + 1) + "N > 1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(FilterError, match="levels of nesting"):
        parse_filter("not " * (MAX_DEPTH + 1) + "N > 1")
    with pytest.raises(FilterError, match="levels of nesting"):
        parse_filter("N > " + "-" * (MAX_DEPTH + 1) + "1")
    with pytest.raises(FilterError, match="at most 2,000"):
        parse_filter("N > 1 and " * 300 + "N > 1")
    # long but flat filters are read without recursion
    flat = " + ".join(["N"] * 300) + " > 0"
    assert len(flat) < MAX_LENGTH and filter_mask(table(), flat).all()
    flat = " or ".join(["N > 1"] * 200)
    assert len(flat) < MAX_LENGTH and filter_mask(table(), flat).all()


def test_not_text():
    for value in (3, b"N > 1", ["N > 1"], None):
        with pytest.raises(FilterError, match="must be text"):
            parse_filter(value)


# ---------------------------------------------------------------------------------------------------
# injection: refused, nothing created, nothing imported, nothing run

ATTACKS = {
    "shell via pandas locals": "@pd.io.common.os.system('id > pwned.txt')",
    "shell via dunder import": "__import__('os').system('id > pwned.txt')",
    "subprocess": "__import__('subprocess').run(['touch', 'pwned.txt'])",
    "file write via method": "N.to_csv('pwned.txt')",
    "file write via local Path": "@Path('pwned.txt').write_text('x')",
    "file write via open": "open('pwned.txt', 'w').write('x')",
    "file write via numpy": "N.values.tofile('pwned.txt')",
    "attribute access": "N.values",
    "dunder class walk": "N.__class__.__mro__[-1].__subclasses__()",
    "dunder name": "__builtins__ > 0",
    "getattr call": "getattr(N, 'to_csv')('pwned.txt')",
    "exec": "exec('open(\"pwned.txt\", \"w\")')",
    "eval": "eval('1') > 0",
    "compile": "compile('1', 'f', 'eval')",
    "lambda": "(lambda: open('pwned.txt', 'w'))()",
    "list comprehension": "[open('pwned.txt', 'w') for x in N]",
    "generator": "any(open('pwned.txt', 'w') for x in N)",
    "set comprehension": "{x for x in N}",
    "dict": "{'a': 1}",
    "walrus": "(x := 1) > 0",
    "subscript": "N[0] > 0",
    "f-string": "f'{N}' == 'x'",
    "statement": "N > 1; import os",
    "conditional expression": "N if N > 1 else D",
    "local variable": "N > @x",
    "huge number": "1e999999",
    "huge number in a comparison": "N > 1e999999",
    "10,000 nested parentheses": "(" * 10_000 + "N > 1" + ")" * 10_000,
    "40 nested parentheses": "(" * 40 + "N > 1" + ")" * 40,
    "deep unary chain": "not " * 400 + "N > 1",
    "1 MB expression": "N > 1 and " * 100_000 + "N > 1",
    "backslash": "N > 1 \\",
    "numexpr-only function": "where(N > 1, 1, 0) > 0",
}
# what must not happen while a filter is read
FORBIDDEN_EVENTS = ("exec", "compile", "import", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                    "subprocess.Popen", "os.remove", "os.rename", "os.mkdir", "shutil", "socket", "ctypes",
                    "builtins.input", "pickle")


class Recorder:
    """Records audit events (PEP 578) while switched on; one hook for the whole test session."""

    events: list | None = None
    installed = False

    @classmethod
    def install(cls):
        if not cls.installed:
            sys.addaudithook(cls._hook)
            cls.installed = True

    @classmethod
    def _hook(cls, name, args):
        if cls.events is not None:
            cls.events.append((name, args))

    @classmethod
    def bad(cls, events):
        out = []
        for name, args in events:
            if name.startswith(FORBIDDEN_EVENTS):
                out.append(name)
            elif name == "open" and len(args) > 1 and isinstance(args[1], str) and set(args[1]) & set("wax+"):
                out.append(f"open {args[0]!r} for writing")
        return out


@pytest.fixture
def jail(tmp_path, monkeypatch):
    """An empty current folder, a runs file outside it, and the audit recorder."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    N = np.logspace(7, 10, 10)
    path = tmp_path / "runs.csv"
    pd.DataFrame({"N": N, "D": 20 * N, "loss": 1.8 + 300 * N**-0.3}).to_csv(path, index=False)
    Recorder.install()
    return cwd, path


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_injection_is_refused_through_the_api(attack, jail):
    cwd, path = jail
    runs = wb.load_runs(path)
    text = ATTACKS[attack]
    with pytest.raises(FilterError):                   # warm up: the modules a fit needs are imported
        wb.fit("power_law_N", runs, holdout="nope > 1", bootstrap=0)
    for call in (lambda: wb.fit("power_law_N", runs, holdout=text, bootstrap=0),
                 lambda: filter_mask(runs, text, label="where")):
        before = set(sys.modules)
        Recorder.events = []
        try:
            with pytest.raises(FilterError) as info:
                call()
        finally:
            events, Recorder.events = Recorder.events, None
        assert isinstance(info.value, WorkbenchError)
        assert "\n" not in str(info.value) and len(str(info.value)) < 400
        assert set(sys.modules) == before, "a module was imported"
        assert Recorder.bad(events) == [], events
        assert list(cwd.iterdir()) == []


@pytest.mark.parametrize("option", ["--holdout", "--where"])
@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_injection_is_refused_through_the_command_line(attack, option, jail, capsys):
    cwd, path = jail
    args = ["fit", str(path), "--law", "power_law_N", "--bootstrap", "0", option]
    assert cli_main(args + ["nope > 1"]) == 2          # warm up: the modules a fit needs are imported
    capsys.readouterr()
    before = set(sys.modules)
    Recorder.events = []
    try:
        status = cli_main(args + [ATTACKS[attack]])
    finally:
        events, Recorder.events = Recorder.events, None
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and len(err) < 400
    assert set(sys.modules) == before, "a module was imported"
    assert Recorder.bad(events) == [], events
    assert list(cwd.iterdir()) == []


def test_the_reported_exploit_in_a_real_process(tmp_path):
    """The shell command from the issue, in a fresh interpreter: exit status 2, one line, no file."""
    N = np.logspace(7, 10, 10)
    pd.DataFrame({"N": N, "D": 20 * N, "loss": 1.8 + 300 * N**-0.3}).to_csv(tmp_path / "runs.csv", index=False)
    env = dict(os.environ, PYTHONPATH=ROOT)
    for option, text in [("--holdout", "@pd.io.common.os.system('id > pwned.txt')")]:  # the rest: in-process above
        r = subprocess.run([sys.executable, "-m", "workbench", "fit", "runs.csv", "--law", "chinchilla", option, text],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        assert r.returncode == 2 and r.stdout == ""
        assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]


def test_help_documents_the_language(capsys):
    with pytest.raises(SystemExit):
        cli_main(["fit", "--help"])
    out = capsys.readouterr().out
    assert "--holdout" in out and "--where" in out and "in [...]" in out and "and/or/not" in out
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert "## Filters" in readme and "1e999999" in readme
