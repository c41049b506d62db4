"""mkdocs hook: every public name of the documented modules has a docstring, and every public
call a ``Raises:`` section (or says "Raises nothing"), else a warning: ``mkdocs build
--strict`` fails.

griffe reads the sources and stubs exactly as mkdocstrings does (``allow_inspection`` off).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import griffe

log = logging.getLogger("mkdocs.plugins.exa_webhooks_docstrings")

MODULES = [
    "exa_webhooks",
    "exa_webhooks.errors",
    "exa_webhooks.testing",
    "exa_webhooks.receiver",
    "exa_webhooks.resources",
    "exa_webhooks.pytest_plugin",
]
# Being added to the models by other work; documented by the Python data model.
SKIPPED = {"_repr_pretty_", "_repr_html_", "__replace__"}


def _fields_documented_by_class(cls: griffe.Class) -> bool:
    """A TypedDict's keys are the API's JSON fields and an enum's members are its values:
    their class's docstring documents them."""
    for base in [cls, *cls.resolved_bases]:
        if base is not cls and not isinstance(base, griffe.Class):
            continue
        names = {str(b).rsplit(".", 1)[-1] for b in base.bases}
        if names & {"TypedDict", "Enum", "StrEnum"}:
            return True
    return False


def _problems(obj: griffe.Object, where: str, calls: bool = True) -> list[str]:
    found = []
    if not obj.docstring or not obj.docstring.value.strip():
        found.append(f"{where}: no docstring")
    elif calls and obj.is_function and "property" not in obj.labels:
        sections = obj.docstring.parse("google", warnings=False)
        said = "Raises nothing" in obj.docstring.value  # e.g. close(): said in words
        if not said and not any(s.kind.value == "raises" for s in sections):
            found.append(f"{where}: no Raises: section")
    if obj.is_class:
        fields_documented = _fields_documented_by_class(obj)
        for name, member in obj.all_members.items():
            if name.startswith("_") or name in SKIPPED:
                continue
            target = member.final_target if member.is_alias else member
            if target.is_attribute and fields_documented:
                continue
            found.extend(_problems(target, f"{where}.{name}"))
    return found


def undocumented() -> list[str]:
    loader = griffe.GriffeLoader(search_paths=["python"], allow_inspection=False)
    package = loader.load("exa_webhooks")
    loader.resolve_aliases(implicit=False, external=False)
    found = []
    # The compiled core is read from its stub, never imported: a build without the stub
    # (or one that inspected the .so) would document nothing of it.
    native = package["_native"]
    if Path(str(native.filepath)).suffix != ".pyi":
        found.append(f"exa_webhooks._native: read from {native.filepath}, not its .pyi stub")
    for path in MODULES:
        module = package if path == "exa_webhooks" else package[path.split(".", 1)[1]]
        names = [str(n) for n in module.exports or []] or [
            n for n, m in module.members.items() if not n.startswith("_") and not m.is_alias
        ]
        for name in names:
            if name.startswith("__"):
                continue
            target = module[name]
            target = target.final_target if target.is_alias else target
            # pytest's fixtures are requested by name, never called: no Raises: for them.
            calls = path != "exa_webhooks.pytest_plugin"
            found.extend(_problems(target, f"{path}.{name}", calls))
    return sorted(set(found))


def on_pre_build(config: Any) -> None:
    for problem in undocumented():
        log.warning(problem)
