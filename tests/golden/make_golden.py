"""Write tests/golden/outputs.npz from the current code: ``python -m tests.golden.make_golden``.

Run it only when a change is meant to change what the toolkit computes, and
say so in the commit message.
"""
import time

import numpy as np

from tests.golden.cases import OUTPUTS, cases


def main():
    results = {}
    for name, run in cases().items():
        start = time.perf_counter()
        results[name] = np.asarray(run())
        print(f"{name}: {results[name].shape} {results[name].dtype} "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    np.savez_compressed(OUTPUTS, **results)


if __name__ == "__main__":
    main()
