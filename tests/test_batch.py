"""Batch mode of the `restore` command: a folder or several files into a folder -o."""
import numpy as np
import pytest
from PIL import Image

from restore import api, cli
from restore.core import progress
from restore.io import read_image

SHAPE = (20, 22)


@pytest.fixture
def calls(monkeypatch):
    from scipy.ndimage import uniform_filter

    recorded = []

    def fake_denoise(image, sigma=None, **options):
        recorded.append(dict(options, sigma=sigma, shape=image.shape))
        return uniform_filter(image, size=(3, 3, 1) if image.ndim == 3 else 3)

    monkeypatch.setattr(api, "denoise", fake_denoise)
    return recorded


@pytest.fixture
def bars(monkeypatch):
    """Record every progress bar the command opens: (total, label)."""
    opened = []
    real = progress.Progress

    class Recording(real):
        def __init__(self, total, label, *args, **kwargs):
            opened.append((total, label))
            super().__init__(total, label, *args, **kwargs)

    monkeypatch.setattr(progress, "Progress", Recording)
    return opened


@pytest.fixture
def inputs(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(rng.integers(0, 256, SHAPE, dtype=np.uint8)).save(folder / "a.png")
    Image.fromarray(rng.integers(0, 256, SHAPE + (3,), dtype=np.uint8)).save(folder / "b.jpg")
    rgba = rng.integers(0, 256, SHAPE + (4,), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(folder / "c.png")
    (folder / "notes.txt").write_text("not an image, not picked up from a folder")
    return folder


def _run(capsys, *argv):
    status = cli.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_folder_to_folder(tmp_path, capsys, calls, bars, inputs):
    status, _, err = _run(capsys, inputs, "-o", tmp_path / "out", "--sigma", 25)
    assert status == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "b.png", "c.png"]
    assert bars == [(3, "restore")]  # one bar for the batch
    assert all(call["progress"] is False for call in calls)  # no bar per image
    _, info = read_image(tmp_path / "out" / "c.png")
    original, original_info = read_image(inputs / "c.png")
    assert info.mode == "RGBA" and np.array_equal(info.alpha, original_info.alpha)


def test_bad_files_are_skipped_listed_and_fail_the_run(tmp_path, capsys, calls, bars, inputs):
    data = (inputs / "a.png").read_bytes()
    (inputs / "broken.png").write_bytes(data[: len(data) // 2])
    (inputs / "tiny.png").write_bytes(b"")
    status, _, err = _run(capsys, inputs, "-o", tmp_path / "out", "--sigma", 25)
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: 2 of 5 files failed"), err
    assert "broken.png" in lines[0] and "tiny.png" in lines[0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "b.png", "c.png"]
    assert bars == [(5, "restore")]


def test_several_files_and_a_missing_one(tmp_path, capsys, calls, bars, inputs):
    status, _, err = _run(capsys, inputs / "a.png", inputs / "b.jpg", inputs / "gone.png",
                          "-o", tmp_path / "new" / "out", "--sigma", 25)
    assert status == 1
    assert "1 of 3 files failed" in err and "gone.png" in err and "no such file" in err
    assert sorted(p.name for p in (tmp_path / "new" / "out").iterdir()) == ["a.png", "b.png"]


def test_writing_into_the_input_folder_is_refused(capsys, calls, inputs):
    before = {p.name: p.read_bytes() for p in inputs.iterdir()}
    status, _, err = _run(capsys, inputs, "-o", inputs, "--sigma", 25)
    assert status == 2
    assert err.startswith("Error: ") and "never overwrites" in err and err.count("\n") == 1
    assert {p.name: p.read_bytes() for p in inputs.iterdir()} == before and calls == []


@pytest.mark.parametrize("extra", [["--reference", "x.png"], []])
def test_batch_usage_errors(tmp_path, capsys, calls, inputs, extra):
    output = tmp_path / "out" if extra else tmp_path / "out.png"
    status, _, err = _run(capsys, inputs / "a.png", inputs / "c.png", "-o", output, *extra)
    assert status == 2 and err.startswith("Error: ") and err.count("\n") == 1
    assert not output.exists() and calls == []


def test_two_inputs_with_the_same_output_name_are_refused(tmp_path, capsys, calls, inputs):
    (inputs / "sub").mkdir()
    Image.open(inputs / "a.png").save(inputs / "sub" / "a.png")
    status, _, err = _run(capsys, inputs / "a.png", inputs / "sub" / "a.png",
                          "-o", tmp_path / "out")
    assert status == 2 and "both be written" in err and calls == []


@pytest.mark.parametrize("depth,expected", [(None, 8), ("16", 16), ("float", 16)])
def test_output_keeps_the_bit_depth_unless_asked(tmp_path, capsys, calls, inputs, depth,
                                                 expected):
    extra = [] if depth is None else ["--bit-depth", depth]
    status, _, err = _run(capsys, inputs / "c.png", "-o", tmp_path / "out.png", "--sigma", 25,
                          *extra)
    assert status == 0, err
    _, info = read_image(tmp_path / "out.png")
    assert info.bit_depth == expected and info.mode == "RGBA"
    if depth == "float":
        status, _, err = _run(capsys, inputs / "c.png", "-o", tmp_path / "out.tif", "--sigma",
                              25, *extra)
        assert status == 0 and read_image(tmp_path / "out.tif")[1].bit_depth == "float"


# ----------------------------------------------------------------------------- progress bars
class _Terminal:
    """A text stream that says it is a terminal."""

    def __init__(self):
        import io

        self.buffer = io.StringIO()
        self.write, self.flush = self.buffer.write, self.buffer.flush

    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal():
    terminal = _Terminal()
    with progress.Progress(3, "restore", stream=terminal) as bar:
        for _ in range(3):
            bar.update()
    shown = terminal.buffer.getvalue()
    assert "restore" in shown and "3/3" in shown


@pytest.mark.parametrize("enabled, terminal", [(True, False), (False, True)])
def test_progress_bar_is_silent_off_a_terminal_or_when_disabled(enabled, terminal):
    import io

    stream = _Terminal() if terminal else io.StringIO()
    with progress.Progress(3, "restore", enabled=enabled, stream=stream) as bar:
        bar.update(3)
    assert (stream.buffer if terminal else stream).getvalue() == ""
