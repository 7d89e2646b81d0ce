"""The Python package's side of bench/python.sh, run by Debian's python3 with PYTHONPATH and
STRATA_LIBRARY set.

    python_check.py check <url> <dir> <calls>   median ms of an up-to-date strata.migrate
    python_check.py overhead <url> <dir> <reps> the package's work on strata_run's documents
                                                (ctypes read, parse, free, Report) against
                                                json.loads of the same texts, for migrate and
                                                status: median of 5 rounds of <reps> each
"""

import ctypes
import json
import statistics
import sys
import time

import strata


def check(url: str, directory: str, calls: int) -> None:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        report = strata.migrate(url=url, dir=directory, on_event=lambda e: None)
        times.append((time.perf_counter() - start) * 1000)
        if report.applied or report.lock_taken:
            sys.exit("not the up-to-date path")
    print(f"{statistics.median(times[1:]):.2f}")


def overhead(url: str, directory: str, reps: int) -> None:
    """`reps` documents returned by strata_run, taken by the package one after another, against
    json.loads of copies of their text one after another: per document, in steady state."""
    lib = strata._load()
    for command in ("migrate", "status"):
        handle = ctypes.c_void_p()
        lib.strata_options_new(ctypes.byref(handle))
        lib.strata_options_set(handle, b"url", url.encode())
        lib.strata_options_set(handle, b"dir", directory.encode())
        package, plain = [], []
        for _ in range(5):
            outs = []
            for _ in range(reps):
                out = ctypes.c_void_p()
                lib.strata_run(handle, command.encode(), ctypes.byref(out))
                outs.append(out)
            texts = [ctypes.string_at(out.value).decode() for out in outs]
            start = time.perf_counter()
            for text in texts:
                json.loads(text)
            plain.append((time.perf_counter() - start) / reps)
            start = time.perf_counter()
            for out in outs:
                strata.Report(strata._take_document(lib, out))
            package.append((time.perf_counter() - start) / reps)
        lib.strata_options_free(handle)
        p, j = statistics.median(package) * 1000, statistics.median(plain) * 1000
        print(f"{command} {len(texts[0])} {p:.4f} {j:.4f}")


if __name__ == "__main__":
    what, url, directory, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    (check if what == "check" else overhead)(url, directory, n)
