"""The command-line options the dataset benchmarks share, their checks, and the preparation
of a run (methods that can run here, the images, the tag and the JSON path)."""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness.data import load_dataset, refuse_test_set
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.methods import available_methods
from benchmarks.harness.results import RESULTS_DIR, shown_path


def add_run_arguments(parser, methods, default_methods):
    """Options of every dataset benchmark besides ``--data`` and the degradation's own:
    subset (``--limit``, ``--crop``), ``--methods``, ``--seed``, outputs (``--out``,
    ``--tag``, ``--markdown``)."""
    parser.add_argument("--limit", type=int, help="use only the first N images (partial run)")
    parser.add_argument("--crop", type=int, help="centre crop of N x N pixels (partial run)")
    parser.add_argument("--methods", nargs="+", choices=list(methods),
                        default=list(default_methods),
                        help=f"methods to run (default: {' '.join(default_methods)})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the degradations "
                        "(default 0)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="folder of the JSON results (default benchmarks/results)")
    parser.add_argument("--tag", help="suffix of the JSON file name and of the markdown "
                        "section key (default: from the options)")
    parser.add_argument("--markdown", type=Path,
                        help="markdown file whose section to replace (e.g. BENCHMARKS.md)")
    return parser


def check_run_arguments(parser, args):
    """Reject out-of-range values of :func:`add_run_arguments`' options (and ``--sigmas``
    where the benchmark has it) with a usage error."""
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")
    if args.crop is not None and args.crop < 8:
        parser.error(f"--crop must be at least 8 (one patch), got {args.crop}")
    if any(s <= 0 for s in getattr(args, "sigmas", ())):
        parser.error(f"--sigmas must be positive (0-255 scale), got {args.sigmas}")
    if args.seed < 0:
        parser.error(f"--seed must be non-negative, got {args.seed}")


def parse_training_arguments(parser, argv):
    """Parse a tuning script's ``argv``; a usage error if its ``--data`` is a test set."""
    args = parser.parse_args(argv)
    try:
        refuse_test_set(args.data)
    except ValueError as error:
        parser.error(str(error))
    return args


def run_tag(limit, crop, method_names=(), default_methods=None):
    """Default tag: what differs from a full run (``n<limit>``, ``crop<size>``; with
    ``default_methods``, the methods when they differ)."""
    parts = [f"n{limit}"] if limit is not None else []
    parts += [f"crop{crop}"] if crop is not None else []
    if default_methods is not None and list(method_names) != list(default_methods):
        parts.append("-".join(method_names))
    return "_".join(parts)


def section_key(dataset, task, tag):
    """Markdown section key of a run: ``<dataset>-<task>[-<tag>]``."""
    return f"{dataset}-{task}" + (f"-{tag}" if tag else "")


def json_name(dataset, task, tag):
    """JSON file name of a run: ``<dataset>_<task>[_<tag>].json``."""
    return f"{dataset}_{task}" + (f"_{tag}" if tag else "") + ".json"


@dataclass
class PreparedRun:
    """What a dataset benchmark needs to start: its arguments, the methods that can run
    (and why the others cannot), the images, and the run's tag, JSON path and settings."""

    args: object
    methods: list
    skipped: dict
    images: list
    n_available: int
    tag: str
    json_path: Path
    settings: dict


def prepare_run(parser, argv, *, prog, task, methods, default_methods=None, mode="L"):
    """Parse and check ``argv``, pick the methods, load the images; None after an error
    message on stderr (the exit status is then 1).

    ``default_methods``: given, the default tag names the methods when they differ from
    these (:func:`run_tag`). The settings hold what every dataset benchmark records
    (dataset, task, images, crop, seed, tag, methods, skipped, command, json, started,
    machine); the benchmark adds its own.
    """
    args = parser.parse_args(argv)
    check_run_arguments(parser, args)
    names = list(dict.fromkeys(args.methods))
    chosen, skipped = available_methods(names, methods)
    if not chosen:
        print("error: none of the requested methods can run here", file=sys.stderr)
        return None
    try:
        images, n_available = load_dataset(args.data, args.limit, mode=mode)
        smallest = min(min(image.clean.shape[:2]) for image in images)
        if args.crop is not None and args.crop > smallest:
            raise ValueError(f"--crop {args.crop} is larger than the smallest image side "
                             f"({smallest} pixels)")
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    dataset = args.data.resolve().name
    tag = args.tag if args.tag is not None else run_tag(args.limit, args.crop, names,
                                                       default_methods)
    json_path = args.out / json_name(dataset, task, tag)
    settings = {
        "dataset": dataset, "task": task, "n_images": len(images),
        "n_images_in_folder": n_available, "crop": args.crop, "seed": args.seed, "tag": tag,
        "methods": [m.name for m in chosen], "skipped": skipped,
        "command": f"{prog} {shlex.join(argv)}", "json": shown_path(json_path),
        "started": utc_now(), "machine": machine_info(),
    }
    return PreparedRun(args, chosen, skipped, images, n_available, tag, json_path, settings)
