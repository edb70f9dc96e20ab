"""The API reference, generated from the package's ``__all__`` lists at build time.

A page for ``workbench`` and one for every public module under it (a module or
subpackage whose name has no leading underscore and which declares ``__all__``).
Each object is documented once, on the page of the module that owns it (the
documented module whose name is the longest prefix of the object's ``__module__``);
other pages that re-export it link there. A public function, class or module without
a docstring is a build warning, so ``-W`` fails the build.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from sphinx.util import logging

from . import prune, write_if_changed

logger = logging.getLogger(__name__)

PACKAGE = "workbench"


def public_modules() -> list[str]:
    """``workbench`` and its public modules that declare ``__all__``, in name order."""
    pkg = importlib.import_module(PACKAGE)
    names = [PACKAGE]
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        full = f"{PACKAGE}.{info.name}"
        mod = importlib.import_module(full)
        if hasattr(mod, "__all__"):
            names.append(full)
    # names in the top-level __all__ that are modules (lazy subpackages) are public too
    for name in getattr(pkg, "__all__", ()):
        obj = getattr(pkg, name, None)
        if inspect.ismodule(obj) and obj.__name__ not in names and hasattr(obj, "__all__"):
            names.append(obj.__name__)
    return sorted(set(names), key=lambda n: (n != PACKAGE, n))


def _kind(obj) -> str:
    if inspect.isclass(obj):
        return "class" if not issubclass(obj, BaseException) else "exception"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj):
        return "function"
    if inspect.ismodule(obj):
        return "module"
    if callable(obj) and hasattr(obj, "__wrapped__"):
        return "function"
    return "data"


_ROLE = re.compile(r":[\w:.-]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`")


def _summary(obj) -> str:
    """The first paragraph of the docstring, cross-reference roles shown as code (the page links the object)."""
    doc = inspect.getdoc(obj) if _kind(obj) != "data" else None
    line = (doc or "").strip().split("\n\n")[0].replace("\n", " ")
    return _ROLE.sub(lambda m: f"``{m.group(1).split('.')[-1] if m.group(0).startswith(':') and '~' in m.group(0) else m.group(1)}``", line)


def _owner(obj, modules: list[str]) -> str | None:
    home = getattr(obj, "__module__", None)
    if not isinstance(home, str):
        return None
    best = None
    for m in modules:
        if home == m or home.startswith(m + "."):
            if best is None or len(m) > len(best):
                best = m
    return best


def _exports(modname: str) -> list[tuple[str, object]]:
    mod = importlib.import_module(modname)
    out = []
    for name in getattr(mod, "__all__", ()):
        if not hasattr(mod, name):
            logger.warning("%s.__all__ lists %r, which the module does not define", modname, name, type="workbench", subtype="api")
            continue
        out.append((name, getattr(mod, name)))
    return out


def _title(text: str, ch: str = "=") -> str:
    return f"{text}\n{ch * len(text)}\n"


def _page(modname: str, modules: list[str]) -> str:
    mod = importlib.import_module(modname)
    if not (mod.__doc__ or "").strip():
        logger.warning("public module %s has no docstring", modname, type="workbench", subtype="api")
    lines = [f".. _api-{modname}:", "", _title(f"``{modname}``"), f".. automodule:: {modname}", "   :no-members:", "",
             f".. currentmodule:: {modname}", ""]
    here, elsewhere, submodules = [], [], []
    for name, obj in _exports(modname):
        kind = _kind(obj)
        if kind == "module":
            if obj.__name__ in modules:
                submodules.append((name, obj))
            continue
        if kind in ("function", "class", "exception") and not (inspect.getdoc(obj) or "").strip():
            logger.warning("public %s %s.%s has no docstring", kind, modname, name, type="workbench", subtype="api")
        owner = _owner(obj, modules) if kind != "data" else modname
        if owner is not None and owner != modname and name in getattr(importlib.import_module(owner), "__all__", ()):
            elsewhere.append((name, obj, owner))
        else:
            here.append((name, obj, kind))

    table = [(f":py:obj:`~{modname}.{n}`", _summary(o)) for n, o, _ in here]
    table += [(f":py:obj:`{n} <{owner}.{n}>`", (_summary(o) + f" (from :ref:`{owner} <api-{owner}>`)").strip())
              for n, o, owner in elsewhere]
    table += [(f":ref:`{o.__name__} <api-{o.__name__}>`", _summary(o)) for n, o in submodules]
    if table:
        lines += [".. list-table::", "   :widths: 30 70", "   :class: wb-api-summary", ""]
        for left, right in table:
            lines += [f"   * - {left}", f"     - {right or ' '}"]
        lines.append("")
    for name, obj, kind in here:
        if kind == "class":
            lines += [f".. autoclass:: {name}", "   :members:", "   :show-inheritance:", ""]
        elif kind == "exception":
            lines += [f".. autoexception:: {name}", "   :show-inheritance:", ""]
        elif kind == "function":
            lines += [f".. autofunction:: {name}", ""]
        else:
            lines += [f".. autodata:: {name}", "   :no-value:", ""]
    return "\n".join(lines)


def write(folder: Path, app) -> None:
    modules = public_modules()
    written = set()
    index = [_title("API reference"),
             "Generated from the package at build time: one page per public module, listing what the module's",
             "``__all__`` exports. Everything is importable as ``import workbench as wb``; ``wb.fit``,",
             "``wb.load_dataset`` and the other names of the first page are the usual entry points.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    for modname in modules:
        path = folder / f"{modname}.rst"
        write_if_changed(path, _page(modname, modules))
        written.add(path)
        index.append(f"   {modname}")
    path = folder / "index.rst"
    write_if_changed(path, "\n".join(index) + "\n")
    written.add(path)
    prune(folder, written)


def _instance_attribute(cls, name: str) -> bool:
    """Whether instances of ``cls`` carry attribute ``name``: declared (a dataclass field) or set in ``__init__``."""
    for klass in cls.__mro__:
        if name in getattr(klass, "__annotations__", {}):
            return True
        init = vars(klass).get("__init__")
        if init is not None:
            try:
                source = inspect.getsource(init)
            except (OSError, TypeError):
                continue
            if re.search(rf"\bself\.{re.escape(name)}\s*(:[^=]*)?=(?!=)", source):
                return True
    return False


def _resolves_in_package(target: str, module: str | None, cls: str | None, context: str = "") -> bool:
    """Whether ``target`` (as written in a docstring, possibly relative) names a real object of the package.

    Relative names are tried against the page's module and class and against every parent of
    ``context``, the full name of the object whose docstring holds the reference.
    """
    candidates = [target]
    if module:
        candidates.append(f"{module}.{target}")
        if cls:
            candidates.append(f"{module}.{cls}.{target}")
    parts = context.split(".") if context else []
    candidates += [".".join(parts[:i] + [target]) for i in range(len(parts), 0, -1)]
    for name in candidates:
        if not (name == PACKAGE or name.startswith(PACKAGE + ".")):
            continue
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            rest = parts[i:]
            try:
                for j, attr in enumerate(rest):
                    if j == len(rest) - 1 and inspect.isclass(obj) and _instance_attribute(obj, attr):
                        return True
                    obj = getattr(obj, attr)
            except AttributeError:
                break
            return True
    return False


def private_reference(app, env, node, contnode):
    """``missing-reference`` hook: a docstring naming a real but unexported object gets code text, not a warning.

    Only references that name nothing in the package stay unresolved (and fail a ``-W`` build):
    those are the broken ones (a renamed or removed function, a typo).
    """
    if node.get("refdomain") != "py":
        return None
    source = node.source or ""
    context = source.split("docstring of ", 1)[1] if "docstring of " in source else ""
    if _resolves_in_package(node.get("reftarget", ""), node.get("py:module"), node.get("py:class"), context):
        return contnode
    return None
