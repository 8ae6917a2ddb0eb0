#!/usr/bin/env bash
# Install the package from outside the repository, non-editable and as a built wheel, into a
# fresh virtual environment, and denoise the bundled example from another folder each time.
# Usage: tests/install_check.sh [python]   (run by `make test`)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$python" -m venv venv
venv/bin/python -m pip install --quiet -c "$repo/constraints.txt" "$repo"
example="$repo/data/examples/cameraman_noisy25.png"
venv/bin/restore "$example" --sigma 25 -o from-install.png
test -s from-install.png
if venv/bin/python -c "import benchmarks" 2>/dev/null; then
    echo "install check: a top-level 'benchmarks' package was installed" >&2; exit 1
fi
venv/bin/python -m pip wheel --quiet --no-deps -w wheels "$repo"
venv/bin/python -m pip install --quiet --force-reinstall --no-deps wheels/restore-*.whl
venv/bin/restore "$example" --sigma 25 -o from-wheel.png
test -s from-wheel.png
echo "install check: pip install <repo> and the wheel both restore the example from $work"
