"""The layout's promises: small modules, cheap imports, low layers importable alone."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def test_no_module_in_the_packages_is_over_400_lines():
    long = {str(path.relative_to(ROOT)): n for path in [*ROOT.glob("restore/**/*.py"),
                                                         *ROOT.glob("priors/**/*.py")]
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def _modules_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_import_restore_is_lazy():
    loaded = _modules_after("import restore")
    assert not {"restore.api", "numba", "torch", "scipy", "skimage"} & loaded


@pytest.mark.parametrize("module", ["restore.operators", "restore.solvers", "priors.registry"])
def test_low_layers_import_without_the_library_or_torch(module):
    loaded = _modules_after(f"import {module}")
    assert not {"restore.api", "restore.recipes", "restore.cli", "torch"} & loaded


def test_the_gmm_path_never_imports_torch():
    loaded = _modules_after("import numpy as np, restore; "
                            "restore.denoise(np.full((16, 16), 0.5), 0.1, prior='gmm-untied')")
    assert "torch" not in loaded and "restore.api" in loaded
