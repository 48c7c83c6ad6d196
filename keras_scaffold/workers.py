"""Work shared with forked worker processes, where that is safe and helps.

A `regenerate` after a template change renders and formats every component of the
pattern: CPU work, component by component, with nothing shared but the cache
folder (whose entries are written atomically). On Linux, where the CPUs are idle,
this process forks workers that each take a contiguous share of the components and
send back what they computed; it takes the first share itself. Results come back in
order, and so does an error: the first component's, as one by one.

A worker syncs the cache folders it wrote entries into (`cache.sync`) before it
sends its results: it leaves with `os._exit`, past any exit handler.

Never forked: from a process with other threads (a lock another thread holds would
stay held in the child: keras-scaffold run inside a test process beside
TensorFlow's threads), off Linux, or for fewer than `MINIMUM_SHARE` items a worker.
Where `KERAS_SCAFFOLD_JOBS` does not set the number of processes (1: none forked),
it is the number of CPUs that no other process is running on.
"""

import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from keras_scaffold import cache

Item = TypeVar("Item")
Result = TypeVar("Result")

ENVIRONMENT_VARIABLE = "KERAS_SCAFFOLD_JOBS"
# A component takes a few milliseconds; a fork, about one.
MINIMUM_SHARE = 8


def process_count(items: int) -> int:
    """How many processes share `items` items (this one included)."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        wanted = int(chosen)
    else:
        wanted = _idle_cpus()
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 1
    return max(1, min(wanted, items // MINIMUM_SHARE))


def _idle_cpus() -> int:
    """The CPUs this process may use that other processes are not running on now
    (the load average would count this command's own last seconds)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    try:
        with open("/proc/loadavg", encoding="ascii") as file:
            running = int(file.read().split()[3].split("/")[0])  # this one too
    except (OSError, ValueError, IndexError):
        return 1
    return cpus - max(running - 1, 0)


def map_in_order(
    function: Callable[[Item], Result], items: Sequence[Item]
) -> list[Result]:
    """`[function(item) for item in items]`, shared with forked workers (see the
    module's docstring). An exception `function` raises is raised here, the first
    in the order of `items`."""
    if not items:
        return []
    count = process_count(len(items))
    size = -(-len(items) // count)
    shares = [items[start : start + size] for start in range(0, len(items), size)]
    sys.stdout.flush()  # nothing buffered is written twice
    sys.stderr.flush()
    workers = [_fork(function, share) for share in shares[1:]]
    outcomes = _outcomes(function, shares[0]) if shares else []
    for (pid, pipe), share in zip(workers, shares[1:], strict=True):
        with os.fdopen(pipe, "rb") as reader:
            data = reader.read()
        os.waitpid(pid, 0)
        try:
            outcomes += pickle.loads(data)
        except Exception:  # a worker that died or sent what pickle cannot load
            outcomes += _outcomes(function, share)
    results = []
    for failed, value in outcomes:
        if failed:
            raise value
        results.append(value)
    return results


def _outcomes(function: Callable, items: Sequence) -> list[tuple[bool, object]]:
    """(False, result) or (True, the exception) for each item, in order; it
    stops at the first exception, as the caller raises it."""
    outcomes: list[tuple[bool, object]] = []
    for item in items:
        try:
            outcomes.append((False, function(item)))
        except Exception as error:
            outcomes.append((True, error))
            break
    return outcomes


def _fork(function: Callable, share: Sequence) -> tuple[int, int]:
    """A worker computing `share`'s outcomes into a pipe: its pid and the pipe's
    reading end."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writer)
        return pid, reader
    # The worker: whatever happens, it leaves without running this process's exit
    # handlers or flushing its buffers; what it could not send, the parent does.
    try:
        os.close(reader)
        outcomes = _outcomes(function, share)
        cache.sync()  # the cache entries it wrote, as the command does at its end
        data = pickle.dumps(outcomes)
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)


__all__ = ["ENVIRONMENT_VARIABLE", "map_in_order", "process_count"]
