"""Markdown output: tables, the parts every section shares, and the update of one section
of a markdown file (BENCHMARKS.md).

A section is everything from ``<!-- key:start -->`` to ``<!-- key:end -->``;
updating it leaves the rest of the file byte for byte.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from benchmarks.harness.machine import machine_sentence


def section_markers(key):
    """Return the start and end HTML comments that delimit a markdown section."""
    return f"<!-- {key}:start -->", f"<!-- {key}:end -->"


def replace_markdown_section(text, key, body):
    """Replace (or append) the section ``key`` of a markdown text.

    Without the markers the section is appended at the end. Applying the same
    body twice gives the same text.

    Parameters
    ----------
    text : str
        The whole markdown document ("" for a new one).
    key : str
        Section name, e.g. ``"bsd68-denoise"``.
    body : str
        New content between the markers.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the markers are unbalanced, repeated or in the wrong order.
    """
    start, end = section_markers(key)
    section = f"{start}\n{body.strip(chr(10))}\n{end}"
    n_start, n_end = text.count(start), text.count(end)
    if n_start == 0 and n_end == 0:
        head = text.rstrip("\n")
        return f"{head}\n\n{section}\n" if head else f"{section}\n"
    i, j = text.find(start), text.find(end)
    if n_start != 1 or n_end != 1 or j < i:
        raise ValueError(f"markdown section {key!r} is malformed: expected one {start!r} "
                         f"followed by one {end!r}, found {n_start} start and {n_end} end "
                         "markers; fix or remove them by hand")
    return text[:i] + section + text[j + len(end):]


def update_markdown_file(path, key, body, title="# Benchmarks"):
    """Replace (or add) the section ``key`` of a markdown file, atomically; a missing
    file is created with ``title``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else f"{title}\n"
    new_text = replace_markdown_section(text, key, body)
    if new_text == text:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(new_text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def publish(section, key, markdown=None, json_path=None):
    """Print a section on stdout; with ``markdown`` also replace its section ``key`` there
    (noted on stderr, with the JSON written)."""
    print(section)
    if markdown is not None:
        update_markdown_file(markdown, key, section)
        print(f"updated section {key!r} of {markdown}", file=sys.stderr)
    if json_path is not None:
        print(f"wrote {json_path}", file=sys.stderr)


def section_text(lines):
    """The lines of a section joined, runs of blank lines folded into one."""
    kept = []
    for line in lines:
        if line == "" and kept and kept[-1] == "":
            continue
        kept.append(line)
    return "\n".join(kept).strip("\n")


def cell(value, fmt):
    """A table cell: ``value`` formatted, a dash when it is missing."""
    return "—" if value is None else format(value, fmt)


def table(header, rows):
    """A markdown table from a header and rows of cell texts."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def title_line(title, settings):
    """``## title (tag)``."""
    return f"## {title}" + (f" ({settings['tag']})" if settings.get("tag") else "")


def _commands(command):
    return "; ".join(f"`{c}`" for c in command) if isinstance(command, list) else f"`{command}`"


def run_lines(settings):
    """The lines naming the command, date and machine of a run; a run split over processes
    and merged lists its commands; runs joined by :func:`benchmarks.harness.results.join_runs`
    get one line each."""
    if settings.get("runs"):
        lines = ["Runs joined in this section:", ""]
        lines += [f"- {_commands(run['command'])}, {run['started'][:10]} (UTC), "
                  f"{machine_sentence(run['machine'])}" for run in settings["runs"]]
        return lines + [""]
    command = settings["command"]
    first = (f"Command: {_commands(command)}  " if not isinstance(command, list) else
             f"Commands (one run split over processes by image, then joined): "
             f"{_commands(command)}  ")
    return [first, f"Date: {settings['started'][:10]} (UTC). "
                   f"Machine: {machine_sentence(settings['machine'])}.  "]


def scope_note(settings, partial_suffix=""):
    """``**Partial run**: first 20 of 68 images, centre crop 128x128.`` or ``Full run: all
    68 images, full size.``"""
    parts, first, n = [], settings.get("first", 0), settings["n_images"]
    if first:
        parts.append(f"images {first + 1}-{first + n} of {settings['n_images_in_folder']}")
    elif n < settings["n_images_in_folder"]:
        parts.append(f"first {n} of {settings['n_images_in_folder']} images")
    if settings.get("crop"):
        parts.append(f"centre crop {settings['crop']}x{settings['crop']}")
    if parts:
        return "**Partial run**: " + ", ".join(parts) + "." + partial_suffix
    return f"Full run: all {n} images, full size."


def closing_lines(result):
    """Skipped methods, an incomplete run, and where the raw results are."""
    settings, lines = result["settings"], []
    if settings.get("skipped"):
        lines.append("Skipped: " + "; ".join(f"{k}: {v}" for k, v in settings["skipped"].items())
                     + ".")
    if not result.get("complete", True):
        lines.append("**Incomplete**: the run stopped before the last image.")
    runs = settings.get("runs") or [settings]
    paths = [run["json"] for run in runs]
    lines.append("Raw results: " + ", ".join(f"`{p}`" for p in paths) + ".")
    return lines
