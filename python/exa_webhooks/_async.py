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

_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Completer | None] = (
    weakref.WeakKeyDictionary()
)
# The last loop asked about and its completer: almost every call comes from the same loop,
# and this check creates no weak reference (a WeakKeyDictionary lookup creates one).
_last: tuple[weakref.ref[asyncio.AbstractEventLoop], Completer | None] | None = None


_NO_LOOP = (
    "AsyncClient needs a running asyncio event loop, and this thread has none: await its "
    "calls inside asyncio (asyncio.run, or anyio with its asyncio backend). Trio is not "
    "supported: under trio, run a sync Client in a thread (trio.to_thread.run_sync)."
)


def completer() -> Completer | None:
    """The running loop's completer, or None where loops cannot watch sockets (Windows'
    proactor): calls then go through pyo3-async-runtimes."""
    import asyncio  # here, not at the top: it costs ~30 ms to import

    global _last
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(_NO_LOOP) from None
    last = _last
    if last is not None and last[0]() is loop:
        return last[1]
    made = _by_loop[loop] if loop in _by_loop else _make(loop)
    _last = (weakref.ref(loop), made)
    return made


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
