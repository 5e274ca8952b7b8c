"""Benchmarks: side-by-side measurements on the sandbox over loopback. Run `python -m bench.run`."""
