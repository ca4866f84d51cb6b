"""``ptpoll bench``: the benchmarks, each run beside its baselines.

One module per benchmark (`roundtrip`, `latency`, `scale`, `trace`), each
with a class that lists its measured runs as steps, then gives rows and a
table; `cli` runs them, `table` prints, `plots` draws. The C programs the
benchmarks run are package data under ``programs/``, compiled at run time.
"""
