"""One ``Completer`` per event loop: the loop watches its socket and resolves finished calls
in batches on its own thread (see ``src/py_bridge.rs``)."""

from __future__ import annotations

import weakref

from . import _native

# Not `typing.TYPE_CHECKING`: importing typing (and asyncio) would double `import exa_webhooks`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio

    from ._native import Completer

__all__ = ["completer"]

_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Completer | None] = (
    weakref.WeakKeyDictionary()
)


def completer() -> Completer | None:
    """The running loop's completer, or None where loops cannot watch sockets (Windows'
    proactor): calls then go through pyo3-async-runtimes."""
    import asyncio  # here, not at the top: it costs ~30 ms to import

    loop = asyncio.get_running_loop()
    if loop in _by_loop:
        return _by_loop[loop]
    made: Completer | None = None
    if hasattr(_native, "Completer"):  # not on Windows
        made = _native.Completer()
        try:
            loop.add_reader(made.fileno(), made.drain)
        except NotImplementedError:
            made = None
    _by_loop[loop] = made
    return made
