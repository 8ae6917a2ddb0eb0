"""Write tests/golden/outputs.npz from the current code: ``python -m tests.golden.make_golden``.

Run it only when a change is meant to change what the toolkit computes, and
say so in the commit message. ``--only NAME ...`` recomputes those cases and
keeps the others' stored outputs.
"""
import argparse
import time

import numpy as np

from tests.golden.cases import OUTPUTS, cases


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.golden.make_golden")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="cases to recompute")
    args = parser.parse_args(argv)
    table = cases()
    unknown = sorted(set(args.only or ()) - set(table))
    if unknown:
        parser.error(f"unknown cases {unknown}; the cases are {sorted(table)}")
    results = {}
    if args.only:
        with np.load(OUTPUTS) as stored:
            results = {name: stored[name] for name in stored.files if name not in args.only}
        table = {name: table[name] for name in args.only}
    for name, run in table.items():
        start = time.perf_counter()
        results[name] = np.asarray(run())
        print(f"{name}: {results[name].shape} {results[name].dtype} "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    np.savez_compressed(OUTPUTS, **results)


if __name__ == "__main__":
    main()
