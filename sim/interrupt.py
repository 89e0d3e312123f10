"""Interruption: Ctrl-C stops work within about a second; pool workers die with their parent.

Python turns SIGINT into ``KeyboardInterrupt`` between two bytecodes, so it is seen only
when a compiled (numba) kernel returns: a kernel that runs for minutes in one call cannot
be interrupted.  The rules every long computation follows:

1. **Run kernels in chunks** of roughly 0.1–0.5 s and return to Python between chunks
   (the kernel takes and returns its state, and a maximum number of events/steps per
   call).  :func:`chunk_sizes` sizes the chunks from their measured duration::

       from sim import interrupt

       for n in interrupt.chunk_sizes(first=10_000):
           done = advance(state, n)        # njit kernel: at most n events, then return
           if done:
               break

   Between chunks a Ctrl-C raises :class:`Interrupted` (a ``KeyboardInterrupt``); the
   command line turns it into the message ``nanokin: interrupted`` and exit status 130,
   and :class:`sim.store.atomic_path` removes the unfinished file.

2. **Work that must not be cut in the middle** (writing a file, a chunk whose state must
   stay consistent) runs inside :func:`deferred`: there a SIGINT only sets a flag,
   :func:`requested` reports it, :func:`check` raises :class:`Interrupted`, and leaving the
   block raises it.  A second Ctrl-C inside the block raises at once.

3. **A kernel that cannot return early** (one long call) but releases the GIL
   (``@njit(nogil=True)``) can be run with :func:`call`: it runs in a thread while the main
   thread waits, so a Ctrl-C is seen at once.  The kernel may poll :func:`stop_flag`
   (a ``uint8[1]`` array, set to 1 by the Ctrl-C) to stop cleanly; if it has not returned
   ``grace`` seconds later :class:`Interrupted` is raised anyway and the thread is left to
   end with the process.

4. **Process pools**: create them with ``initializer=sim.interrupt.worker_init`` (Linux:
   the workers are killed by the kernel when the parent dies, even by SIGKILL; elsewhere a
   watchdog thread notices the parent is gone within half a second) and on an interrupt
   or any error call :func:`terminate_pool` instead of waiting for running tasks.  Workers
   ignore SIGINT; the parent handles Ctrl-C for them.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

import numpy as np

__all__ = ["Interrupted", "deferred", "requested", "check", "stop_flag", "chunk_sizes", "call",
           "worker_init", "terminate_pool", "terminate_as_interrupt"]


class Interrupted(KeyboardInterrupt):
    """Work stopped by Ctrl-C (SIGINT) or SIGTERM."""


_FLAG = np.zeros(1, dtype=np.uint8)   # 1 once a SIGINT arrived inside deferred()/call()
_depth = 0
_previous = None


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _on_sigint(signum, frame):
    if _FLAG[0]:
        raise Interrupted("interrupted (second Ctrl-C)")
    _FLAG[0] = 1


def stop_flag() -> np.ndarray:
    """The ``uint8[1]`` array a Ctrl-C sets to 1 inside :func:`deferred` / :func:`call`
    (pass it to a kernel that polls it)."""
    return _FLAG


def requested() -> bool:
    """True once a Ctrl-C arrived inside the current :func:`deferred` block."""
    return bool(_FLAG[0])


def check() -> None:
    """Raise :class:`Interrupted` if a Ctrl-C arrived (no-op otherwise)."""
    if _FLAG[0]:
        raise Interrupted("interrupted")


class deferred:
    """Context manager: inside it SIGINT sets a flag instead of raising (see module doc).

    Nested blocks share one flag; the outermost one restores the previous handler, clears
    the flag and raises :class:`Interrupted` if a Ctrl-C came and no other exception is
    on its way.  Outside the main thread, or where SIGINT is ignored, it does nothing."""

    def __enter__(self) -> "deferred":
        global _depth, _previous
        self.active = False
        if not _main_thread():
            return self
        if _depth == 0:
            current = signal.getsignal(signal.SIGINT)
            if current is signal.SIG_IGN or current is None:
                return self
            _previous = signal.signal(signal.SIGINT, _on_sigint)
            _FLAG[0] = 0
        _depth += 1
        self.active = True
        return self

    def __exit__(self, exc_type, exc, tb):
        global _depth
        if not self.active:
            return False
        _depth -= 1
        if _depth == 0:
            signal.signal(signal.SIGINT, _previous)
            came = bool(_FLAG[0])
            _FLAG[0] = 0
            if came and exc_type is None:
                raise Interrupted("interrupted")
        return False


def chunk_sizes(first: int = 1000, target_s: float = 0.25, max_size: int = 1 << 40):
    """Endless chunk sizes, each adapted so that one chunk takes about ``target_s``.

    The caller does one chunk of work per value and ``break``s when done; the time from
    one value to the next is the duration of that chunk.  Pending interrupts are raised
    between chunks (inside :func:`deferred` too)."""
    n = max(1, int(first))
    while True:
        t0 = time.perf_counter()
        yield n
        check()
        dt = time.perf_counter() - t0
        if dt <= 0:
            n = min(max_size, n * 4)
        else:
            n = int(min(max_size, max(1, n * min(4.0, max(0.25, target_s / dt)))))


def kernel_thread(target, name: str = "nanokin-kernel") -> threading.Thread:
    """A daemon thread that runs ``target()`` (a compiled kernel) with the caller's numba
    thread count: numba's count is per thread, so a new thread would otherwise use all
    of NUMBA_NUM_THREADS whatever the caller set."""
    import numba
    n_threads = numba.get_num_threads()

    def run():
        numba.set_num_threads(n_threads)
        target()
    return threading.Thread(target=run, name=name, daemon=True)


def call(fn, *args, grace: float = 1.0, poll: float = 0.05):
    """``fn(*args)`` run in a thread so that a Ctrl-C is seen while it runs (for long
    ``nogil`` kernels that cannot return early); see the module doc."""
    if not _main_thread():
        return fn(*args)
    box: dict = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = kernel_thread(target)
    with deferred():
        worker.start()
        while worker.is_alive():
            worker.join(poll)
            if _FLAG[0]:
                worker.join(grace)
                raise Interrupted("interrupted")
    if "error" in box:
        raise box["error"]
    return box.get("value")


# ----------------------------------------------------------------------------- process pools

def _set_parent_death_signal() -> None:
    """Linux: ask the kernel to SIGKILL this process when its parent (thread) ends."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        pass


def _watch_parent(parent: int, period: float) -> None:
    while True:
        time.sleep(period)
        if os.getppid() != parent:
            os._exit(1)


def worker_init(*_ignored) -> None:
    """Initializer of process-pool workers: they ignore SIGINT (the parent handles Ctrl-C)
    and die with their parent (see the module doc)."""
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _set_parent_death_signal()
    if os.getppid() != parent or parent == 1:   # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent, 0.5), name="nanokin-parent-watch",
                     daemon=True).start()


def terminate_pool(pool) -> None:
    """Stop a ``concurrent.futures.ProcessPoolExecutor`` or ``multiprocessing.Pool`` now:
    cancel queued tasks and kill running workers (use on an interrupt or an error)."""
    if hasattr(pool, "terminate"):            # multiprocessing.Pool
        pool.terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except TypeError:  # pragma: no cover - Python < 3.9
        pool.shutdown(wait=False)
    for p in processes:
        try:
            p.terminate()
        except (OSError, AttributeError, ValueError):
            pass
    for p in processes:
        try:
            p.join(2.0)
            if p.is_alive():
                p.kill()
        except (OSError, AttributeError, ValueError, AssertionError):
            pass


class terminate_as_interrupt:
    """Context manager (main thread): SIGTERM raises :class:`Interrupted` like Ctrl-C, so
    unfinished files are removed; the previous handler is restored on exit."""

    def __enter__(self):
        self.previous = None
        if _main_thread():
            try:
                self.previous = signal.signal(signal.SIGTERM, self._raise)
            except (ValueError, OSError):  # pragma: no cover
                self.previous = None
        return self

    @staticmethod
    def _raise(signum, frame):
        raise Interrupted("terminated (SIGTERM)")

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        return False
