"""Per-image gain of one method over another in a denoising benchmark's JSON (issue 25:
where the textured images win or lose).

Usage::

    python -m benchmarks.per_image_gain benchmarks/results/bsd68_denoise_oracle.json \\
        [--method epll] [--peer bm3d] [--out benchmarks/results/bsd68_denoise_oracle_gain.md]

Writes a markdown table (one row per image, sorted by the mean gain over the sigmas, then
the mean and the count of images gaining) to ``--out`` (default: the JSON's name with
``_gain.md``) and prints it.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from benchmarks.harness.results import shown_path


def gains(rows, method, peer):
    """``{image: {sigma: psnr(method) - psnr(peer)}}`` over the images both have."""
    scores = {(r["method"], r["image"], r["sigma"]): r["psnr"] for r in rows}
    table = {}
    for (name, image, sigma), value in scores.items():
        if name == method and (peer, image, sigma) in scores:
            table.setdefault(image, {})[sigma] = value - scores[(peer, image, sigma)]
    return table


def render(table, method, peer, source):
    """The markdown table of :func:`gains`."""
    sigmas = sorted({s for by_sigma in table.values() for s in by_sigma})
    lines = [f"Gain of `{method}` over `{peer}` (PSNR dB, same run: {source}), per image, "
             "sorted by the mean over sigma.", "",
             "| image | " + " | ".join(f"σ {s:g}" for s in sigmas) + " | mean |",
             "|---|" + "---|" * (len(sigmas) + 1)]
    order = sorted(table, key=lambda image: statistics.mean(table[image].values()))
    for image in order:
        cells = [f"{table[image][s]:+.2f}" if s in table[image] else "" for s in sigmas]
        lines.append(f"| {image} | " + " | ".join(cells)
                     + f" | {statistics.mean(table[image].values()):+.2f} |")
    means = [statistics.mean(t[s] for t in table.values() if s in t) for s in sigmas]
    wins = [sum(t[s] > 0 for t in table.values() if s in t) for s in sigmas]
    lines.append("| **mean** | " + " | ".join(f"**{m:+.3f}**" for m in means) + " | |")
    lines.append("| images gaining | " + " | ".join(f"{w} / {len(table)}" for w in wins) + " | |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.per_image_gain",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--method", default="epll")
    parser.add_argument("--peer", default="bm3d")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    data = json.loads(args.results.read_text())
    table = gains(data["rows"], args.method, args.peer)
    if not table:
        parser.error(f"{args.results} has no image scored by both {args.method!r} and "
                     f"{args.peer!r}; its methods are {data['settings'].get('methods')}")
    text = render(table, args.method, args.peer, shown_path(args.results))
    out = args.out or args.results.with_name(args.results.stem + "_gain.md")
    out.write_text(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
