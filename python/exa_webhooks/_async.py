"""One ``Completer`` per event loop: the loop watches its socket and resolves finished calls
in batches on its own thread (see ``crates/python/src/runtime/bridge.rs``)."""

from __future__ import annotations

import weakref

from . import _native

# Not `typing.TYPE_CHECKING`: importing typing (and asyncio) would double `import exa_webhooks`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio

    from ._native import Completer

__all__ = ["completer"]

# The native client keeps the last loop's answer itself, so this runs once per loop it sees
# (and again whenever calls alternate between loops).
_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Completer | None] = (
    weakref.WeakKeyDictionary()
)


_NO_LOOP = (
    "AsyncClient needs a running asyncio event loop, and this thread has none: await its "
    "calls inside asyncio (asyncio.run, or anyio with its asyncio backend). Trio is not "
    "supported: under trio, run a sync Client in a thread (trio.to_thread.run_sync)."
)


def completer() -> Completer | None:
    """The running loop's completer, or None where loops cannot watch sockets (Windows'
    proactor): calls then go through pyo3-async-runtimes."""
    import asyncio  # here, not at the top: it costs ~30 ms to import

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(_NO_LOOP) from None
    return _by_loop[loop] if loop in _by_loop else _make(loop)


def _make(loop: asyncio.AbstractEventLoop) -> Completer | None:
    made: Completer | None = None
    if hasattr(_native, "Completer"):  # not on Windows
        made = _native.Completer(loop)
        try:
            loop.add_reader(made.fileno(), made.drain)
        except NotImplementedError:
            made = None
    _by_loop[loop] = made
    return made
