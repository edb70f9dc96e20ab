"""One catalogue type answers every lookup by name (laws, parameter sets, metrics, tasks) the same way."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.errors import ArgumentError, UnknownNameError
from workbench.names import Catalogue


class Entry:
    def __init__(self, name):
        self.name = name


def test_lookup_add_and_names():
    c = Catalogue("widget", Entry, entries=[Entry("b"), Entry("a")])
    assert c.names() == ["a", "b"] and c.lookup("a") is c["a"]
    e = Entry("c")
    assert c.lookup(e) is e and "c" not in c  # an entry passed in comes back unchanged
    assert Catalogue("widget", entries=[Entry("b"), Entry("a")], sort=False).names() == ["b", "a"]
    with pytest.raises(ArgumentError, match="A widget must be a Entry, not str"):
        c.add("a")


def test_an_unknown_name_lists_the_known_ones():
    c = Catalogue("widget", entries=[Entry("b"), Entry("a")], where=" on this shelf")
    with pytest.raises(UnknownNameError, match=r"No widget named 'z' on this shelf\. Known widgets: a, b\.") as info:
        c.lookup("z")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("lookup, name, message", [
    (wb.get_law, "chinchila", "No law named 'chinchila'. Known laws: "),
    (wb.laws.get_parameter_set, "besiroglu", "No parameter set named 'besiroglu'. Known parameter sets: "),
    (wb.metrics.get_metric, "accuracy", "No metric named 'accuracy'. Known metrics: exact_match, "),
    (lambda n: wb.get_law("chinchilla").parameter(n), "gamma", "No parameter named 'gamma' in law 'chinchilla'. "
                                                               "Known parameters: E, A, B, alpha, beta."),
])
def test_the_package_catalogues_answer_alike(lookup, name, message):
    with pytest.raises(UnknownNameError) as info:
        lookup(name)
    assert str(info.value).strip("'\"").startswith(message)
