"""Every public class, method, function and property has a docstring at run time (`help()`,
IDEs and notebooks show it), and, for what the compiled core defines, it is the stub's: the
same first line, and a word on what it raises wherever the stub has one.

The `.pyi` stubs are parsed with `ast` (they are what the reference and type checkers read);
the runtime docstrings of `_native` come from the Rust `///` comments, through PyO3.
"""

from __future__ import annotations

import ast
import inspect
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import exa_webhooks
import exa_webhooks._native
import exa_webhooks._page
import exa_webhooks._raw_response
import exa_webhooks.errors
import exa_webhooks.receiver
import exa_webhooks.testing

PACKAGE = Path(exa_webhooks.__file__).parent
STUBS = ["_native", "_page", "_raw_response"]
# Being added by other work (notebook display, copy.replace); documented by the data model.
SKIPPED = {"_repr_pretty_", "_repr_html_", "__replace__"}


def _stub_docstrings() -> dict[str, str]:
    """``{"_native.Webhook.to_dict": docstring, ...}`` for every documented stub name."""
    found = {}
    for module in STUBS:
        tree = ast.parse((PACKAGE / f"{module}.pyi").read_text())
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and (
                (doc := ast.get_docstring(node)) is not None
            ):
                found[f"{module}.{node.name}"] = doc
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and (
                        (doc := ast.get_docstring(member)) is not None
                    ):
                        found[f"{module}.{node.name}.{member.name}"] = doc
    return found


STUB_DOCS = _stub_docstrings()
MODULES = [exa_webhooks, exa_webhooks.errors, exa_webhooks.testing, exa_webhooks.receiver]


def _documentable(value: Any) -> bool:
    """What can carry a docstring at run time (a plain value such as a float cannot, nor a
    type alias such as ``Callable[[WebhookEvent], object]``, which 3.10 calls a class)."""
    if isinstance(value, types.GenericAlias):
        return False
    return (
        inspect.isclass(value)
        or inspect.isroutine(value)
        or isinstance(value, property | classmethod | staticmethod)
        or inspect.isgetsetdescriptor(value)
    )


def _stub_of(value: Any) -> str | None:
    """The stub that declares ``value`` (the native classes say ``module="exa_webhooks"``)."""
    for module in STUBS:
        home = getattr(exa_webhooks, module)
        if getattr(home, getattr(value, "__name__", ""), None) is value:
            return f"{module}.{value.__name__}"
    return None


def _public_api() -> Iterator[tuple[str, Any, str | None]]:
    """``(where, object, stub key)`` for every public documentable name; the stub key names
    the stub that declares it, if any."""
    seen = set()
    for module in MODULES:
        for name in module.__all__:
            value = getattr(module, name)
            if not _documentable(value) or id(value) in seen:
                continue
            seen.add(id(value))
            stub = _stub_of(value)
            yield f"{module.__name__}.{name}", value, stub
            if not inspect.isclass(value):
                continue
            for attr, member in vars(value).items():
                if attr in SKIPPED or attr.startswith("_"):
                    continue
                if _documentable(member):
                    key = f"{stub}.{attr}" if stub else None
                    yield f"{module.__name__}.{name}.{attr}", getattr(value, attr), key


API = list(_public_api())


def test_the_whole_public_api_is_walked() -> None:
    names = {where for where, _, _ in API}
    for expected in [
        "exa_webhooks.Client.get_webhook",
        "exa_webhooks.AsyncClient.iter_webhook_attempts",
        "exa_webhooks.Webhook.to_dict",
        "exa_webhooks.Webhook.id",
        "exa_webhooks.WebhookAttempt.from_dict",
        "exa_webhooks.WebhookEvent.data",
        "exa_webhooks.construct_event",
        "exa_webhooks.Page",
        "exa_webhooks.RawResponse.parse",
        "exa_webhooks.ExaError",
        "exa_webhooks.testing.ExaServer.emit",
        "exa_webhooks.testing.RecordedRequest.json",
        "exa_webhooks.receiver.WebhookReceiver.replay",
        "exa_webhooks.receiver.SQLiteDedupe.claim",
    ]:
        assert expected in names
    assert sum(stub is not None for _, _, stub in API) >= 40
    assert len(API) > 150


def _doc(value: Any) -> str:
    # inspect.getdoc would inherit a base class's docstring: each name must have its own.
    doc = value.__doc__ if not isinstance(value, property) else value.fget.__doc__
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def _problem(where: str, value: Any, stub: str | None) -> str | None:
    doc = _doc(value)
    if not doc.strip():
        return f"{where} has no docstring at run time"
    if stub is not None:
        if stub not in STUB_DOCS:
            return f"{where}: its stub ({stub}) has no docstring"
        expected = STUB_DOCS[stub]
        if doc.splitlines()[0] != expected.splitlines()[0]:
            return f"{where}: its first line is not the stub's"
        if "Raises" in expected and "Raises" not in doc:
            return f"{where}: the stub says what it raises; at run time not"
    elif inspect.isroutine(value) and not inspect.isclass(value) and "Raises" not in doc:
        return f"{where} does not say what it raises"
    return None


@pytest.mark.parametrize(("where", "value", "stub"), API, ids=[where for where, _, _ in API])
def test_a_runtime_docstring(where: str, value: Any, stub: str | None) -> None:
    assert _problem(where, value, stub) is None
