"""Every annotation of the public API resolves at run time: `typing.get_type_hints`,
`inspect.signature(eval_str=True)` and pydantic's `validate_call` work on it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import typing
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

# Every public module (not `__main__`, which runs the command line when imported).
PUBLIC_MODULES = [
    "exa_webhooks",
    "exa_webhooks.cli",
    "exa_webhooks.errors",
    "exa_webhooks.pytest_plugin",
    "exa_webhooks.receiver",
    "exa_webhooks.resources",
    "exa_webhooks.testing",
]


def test_the_public_modules_are_all_listed() -> None:
    package = ew.__path__[0]
    found = {
        f"exa_webhooks.{info.name}"
        for info in pkgutil.iter_modules([package])
        if not info.name.startswith("_")
    }
    assert found == set(PUBLIC_MODULES) - {"exa_webhooks"}


def _ours(obj: object) -> bool:
    return getattr(obj, "__module__", "").startswith("exa_webhooks")


def _functions(owner: object) -> Iterator[tuple[str, Callable[..., object]]]:
    """The functions of a class written in Python, its properties' getters included; a
    pytest fixture's function. (Those written in Rust carry no annotations to resolve.)"""
    wrapped = getattr(owner, "_get_wrapped_function", None)
    if wrapped is not None:  # a pytest fixture
        yield "", wrapped()
        return
    if inspect.isfunction(owner):
        yield "", owner
        return
    if not inspect.isclass(owner):
        return
    for cls in owner.__mro__:
        if not _ours(cls):
            continue
        for name, attr in vars(cls).items():
            if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                continue  # private
            if isinstance(attr, (staticmethod, classmethod)):
                attr = attr.__func__
            elif isinstance(attr, property):
                attr = attr.fget
            if inspect.isfunction(attr):
                yield f".{name}", attr


def _public_api() -> list[tuple[str, object]]:
    """Every public name of every public module: those in ``__all__`` and any other public
    name defined in the package, so that a new function cannot slip through."""
    api: dict[str, object] = {}
    for module_name in PUBLIC_MODULES:
        module: ModuleType = importlib.import_module(module_name)
        names = set(getattr(module, "__all__", ()))
        names |= {n for n, v in vars(module).items() if not n.startswith("_") and _ours(v)}
        for name in sorted(names):
            api[f"{module_name}.{name}"] = getattr(module, name)
    return sorted(api.items())


API = _public_api()
FUNCTIONS = [(f"{name}{suffix}", f) for name, obj in API for suffix, f in _functions(obj)]


def test_the_api_is_large_enough_to_mean_something() -> None:
    names = {name for name, _ in FUNCTIONS}
    assert len(FUNCTIONS) > 150
    for expected in [
        "exa_webhooks.create_webhook",
        "exa_webhooks.Client.create_webhook",
        "exa_webhooks.AsyncClient.iter_events",
        "exa_webhooks.Client.__exit__",
        "exa_webhooks.RateLimitError.__init__",
        "exa_webhooks.testing.ExaServer.emit",
        "exa_webhooks.testing.ExaServer.url",
        "exa_webhooks.testing.sample_delivery",
        "exa_webhooks.receiver.WebhookReceiver.replay",
        "exa_webhooks.receiver.ASGIApp.__init__",
        "exa_webhooks.pytest_plugin.exa_client",
        "exa_webhooks.cli.main",
    ]:
        assert expected in names


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_every_annotation_resolves(name: str, function: Callable[..., object]) -> None:
    hints = typing.get_type_hints(function)
    signature = inspect.signature(function, eval_str=True)
    for parameter in signature.parameters.values():
        assert not isinstance(parameter.annotation, str), (name, parameter)
    assert set(hints) <= {*signature.parameters, "return"}


@pytest.mark.parametrize(
    "cls",
    [
        obj
        for _, obj in API
        # Protocols carry an empty __annotations__ from Python 3.12 on: only classes that
        # annotate something.
        if inspect.isclass(obj) and _ours(obj) and vars(obj).get("__annotations__")
    ],
)
def test_class_annotations_resolve(cls: type) -> None:  # dataclasses, TypedDicts
    assert typing.get_type_hints(cls)


def test_the_hints_say_what_is_taken() -> None:
    hints = typing.get_type_hints(ew.Client.create_webhook)
    assert hints["events"] == Iterable[str]
    assert hints["return"] is ew.Webhook
    listed = typing.get_type_hints(ew.AsyncClient.list_webhooks)["return"]
    assert typing.get_origin(listed) is ew.Page
    assert typing.get_args(listed) == (ew.Webhook,)
    text = inspect.signature(ew.create_webhook).parameters["events"].annotation
    assert "Events" not in repr(text)  # what help() shows: the type, not a name to look up


def test_pydantic_validate_call_on_the_api() -> None:
    import pydantic  # comes with fastapi (requirements-test.txt)

    create = pydantic.validate_call(ew.create_webhook)
    with ExaServer() as server:
        webhook = create(
            ["webset.idle"], "https://example.com/h", api_key=server.api_key, base_url=server.url
        )
        assert server.webhooks[0].id == webhook.id
        with pytest.raises(pydantic.ValidationError, match="timeout"):
            create(["webset.idle"], "https://example.com/h", api_key="k", timeout="soon")
        with server.client() as client:
            get = pydantic.validate_call(client.get_webhook)
            assert get(webhook.id).id == webhook.id
            with pytest.raises(pydantic.ValidationError, match="valid string"):
                get(42)
            listed = pydantic.validate_call(client.list_events)
            assert listed(created_after="2025-01-01T00:00:00Z", limit=5).data == []


def test_import_stays_quick() -> None:
    # What `import exa_webhooks` avoids for its annotations' sake (see _async.py, _client.py);
    # pydantic and the rest of this file import them, hence a fresh interpreter.
    avoided = ("typing", "asyncio", "datetime")
    code = f"import sys, exa_webhooks; print([m for m in {avoided!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
