"""Prior files: ``.npz`` archives (``np.load``, no pickles) with a kind and a format version;
the shipped ones are package data with a sha256 each, checked on load."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"


def sha256_of(path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_pretrained(name, filename, sha256) -> Path:
    """The path of a shipped prior file after checking its sha256; one-line ``ValueError``
    that says how to fix a missing, corrupt or mismatched file."""
    path = PRETRAINED_DIR / filename
    fix = (f"reinstall the package (pip install --force-reinstall restore) or make it again "
           f"with `restore train {name.split('-')[0]} ... -o {path}` and update its sha256 in "
           f"priors/registry.py")
    if not path.is_file():
        raise ValueError(f"the pretrained '{name}' prior is missing ({path}); {fix}")
    found = sha256_of(path)
    if found != sha256:
        raise ValueError(f"the pretrained '{name}' prior ({path}) is corrupt or not the "
                         f"shipped one: sha256 {found[:12]}... expected {sha256[:12]}...; {fix}")
    return path


def open_prior_file(path, kind, version):
    """Open a prior's ``.npz`` after checking that it holds a ``kind`` prior of format
    ``version`` (an int, or a tuple of readable versions, the newest last); one-line
    ``ValueError`` otherwise."""
    versions = version if isinstance(version, tuple) else (version,)
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {kind.upper()} prior from '{path}': {error}") from None
    found = int(data["format_version"]) if "format_version" in data else None
    if found not in versions or str(data.get("kind", "")) != kind:
        data.close()
        raise ValueError(f"'{path}' is not a {kind.upper()} prior of format version {versions[-1]} "
                         f"(found version {found}); retrain it with `restore train {kind}`")
    return data
