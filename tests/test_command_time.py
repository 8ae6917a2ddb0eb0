"""The command's end-to-end wall time (benchmarks.harness.command_time): one real run of
``restore`` on a 48x48 image, a failing run, and how a run's JSON and section show it."""
import io

import numpy as np

from benchmarks.harness.command_time import (TMP, command_note, record_command,
                                             time_restore_command)


def test_the_command_runs_once_end_to_end_and_writes_its_output():
    image = np.random.default_rng(0).random((48, 48))
    log = io.StringIO()
    measured = time_restore_command(image, ["--sigma", "25", "--prior", "gmm-untied"], log=log)
    assert measured["returncode"] == 0, log.getvalue()
    assert measured["output_written"] and measured["seconds"] > 0
    assert (measured["height"], measured["width"], measured["channels"]) == (48, 48, 1)
    assert measured["argv"] == ["python", "-m", "restore.cli", f"{TMP}/input.png", "--sigma",
                                "25", "--prior", "gmm-untied", "-o", f"{TMP}/restored.png"]
    assert measured["command"] == "restore input.png --sigma 25 --prior gmm-untied -o restored.png"
    result = record_command({}, measured, method="epll", image="noise")
    assert result["command_wall_seconds"] == measured["seconds"]
    assert result["command_wall"]["method"] == "epll"
    note = command_note(result)
    assert "`restore input.png --sigma 25" in note and "48x48 image (noise)" in note
    assert f"{measured['seconds']:.2f} s of wall time" in note


def test_extra_files_are_written_to_the_folder_and_a_failure_is_recorded():
    """A mask of the wrong size: the command reads it from the folder, refuses it (exit 2)
    and writes nothing; the run records no wall time and says why."""
    image = np.zeros((48, 48, 3), dtype=np.uint8)
    log = io.StringIO()
    measured = time_restore_command(image, ["--task", "inpaint", "--mask", "{dir}/mask.png"],
                                    files={"mask.png": np.ones((20, 20), dtype=bool)}, log=log)
    assert measured["returncode"] == 2 and not measured["output_written"]
    assert "mask" in log.getvalue().lower()
    assert measured["channels"] == 3
    assert measured["argv"][7] == f"{TMP}/mask.png"
    result = record_command({}, measured)
    assert result["command_wall_seconds"] is None
    assert "failed (exit status 2" in command_note(result)


def test_notes_of_runs_without_a_command_or_from_before_it_was_measured():
    assert command_note({"rows": []}) is None
    assert "not measured" in command_note(record_command({}, None))


def _grey_set(folder, size=(40, 36)):
    from PIL import Image

    folder.mkdir()
    rows, cols = np.mgrid[:size[0], :size[1]]
    for i in range(2):
        pixels = 128 + 90 * np.sin(rows / (4.0 + i)) * np.cos(cols / 5.0)
        Image.fromarray(pixels.astype(np.uint8)).save(folder / f"img{i}.png")
    return folder


def test_the_denoising_benchmark_records_and_shows_the_command(tmp_path, monkeypatch, capsys):
    """bsds with a stand-in method mapped to the command (gmm-untied, quick): the first image
    at the first noise level goes through the real command once."""
    import json

    from benchmarks import bsds
    from benchmarks.harness.methods import Method

    monkeypatch.setitem(bsds.METHODS, "mock", Method("mock", "Mock", lambda x, s, *, rng: x))
    monkeypatch.setattr(bsds, "COMMAND_OPTIONS", {"mock": ["--prior", "gmm-untied"]})
    data = _grey_set(tmp_path / "tiny")
    assert bsds.main(["--data", str(data), "--sigmas", "25", "15", "--limit", "1", "--methods",
                      "mock", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    (path,) = (tmp_path / "out").glob("*.json")
    result = json.loads(path.read_text())
    record = result["command_wall"]
    assert result["command_wall_seconds"] > 0 and record["method"] == "mock"
    assert record["argv"][3:] == [f"{TMP}/input.png", "--sigma", "25", "--prior", "gmm-untied",
                                  "-o", f"{TMP}/restored.png"]
    assert (record["height"], record["width"], record["image"]) == (40, 36, "img0, sigma 25")
    assert "Command end to end: `restore input.png --sigma 25 --prior gmm-untied" in out


def test_inpainting_and_deblurring_time_the_command_on_their_first_case(tmp_path, monkeypatch):
    """The options and files each task gives the command (the timer itself stubbed out)."""
    import json

    import benchmarks.harness.command_time as command_time
    from benchmarks import deblur, inpaint

    calls = []

    def fake(image, options, *, files=None, **_):
        calls.append((np.asarray(image), list(options), dict(files or {})))
        return {"seconds": 1.5, "returncode": 0, "output_written": True, "argv": [],
                "command": "restore input.png", "height": 40, "width": 36, "channels": 1}

    monkeypatch.setattr(command_time, "time_restore_command", fake)
    data = _grey_set(tmp_path / "set")
    monkeypatch.setattr(inpaint, "COMMAND_OPTIONS", {"biharmonic": ["--exact"]})
    assert inpaint.main(["--data", str(data), "--limit", "1", "--masks", "random50",
                         "--methods", "biharmonic", "--out", str(tmp_path / "a"),
                         "--markdown", str(tmp_path / "A.md")]) == 0
    image, options, files = calls.pop()
    assert options == ["--task", "inpaint", "--mask", "{dir}/mask.png", "--exact"]
    known = files["mask.png"]
    assert known.dtype == bool and 0.4 < known.mean() < 0.6
    assert np.all(image[~known] == 0)
    result = json.loads(next((tmp_path / "a").glob("*.json")).read_text())
    assert result["command_wall_seconds"] == 1.5
    assert result["command_wall"]["image"] == "img0, 50% missing at random"
    assert "took 1.50 s of wall time" in (tmp_path / "A.md").read_text()

    kernels = tmp_path / "k.npz"
    np.savez(kernels, k0=np.ones((3, 3)) / 9, k1=np.eye(5) / 5)
    monkeypatch.setattr(deblur, "COMMAND_OPTIONS", {"wiener": []})
    assert deblur.main(["--data", str(data), "--kernels", str(kernels), "--limit", "1",
                        "--sigmas", "2.55", "--methods", "wiener", "--out", str(tmp_path / "d"),
                        "--markdown", str(tmp_path / "D.md")]) == 0
    image, options, files = calls.pop()
    assert options == ["--task", "deblur", "--kernel", "{dir}/kernel.npy", "--sigma", "2.55",
                       "--boundary", "circular"]
    np.testing.assert_array_equal(files["kernel.npy"], np.ones((3, 3)) / 9)
    assert image.shape == (40, 36) and not calls
    assert "took 1.50 s of wall time" in (tmp_path / "D.md").read_text()


def test_the_speed_benchmark_times_the_command_on_the_bundled_noisy_cameraman(monkeypatch):
    from benchmarks import speed

    seen = []

    def fake(image, options, **kwargs):
        seen.append((image, options, kwargs))
        return {"seconds": 2.0, "returncode": 0, "output_written": True, "argv": [],
                "command": "restore cameraman_noisy25.png --sigma 25 -o restored.png",
                "height": 256, "width": 256, "channels": 1}

    monkeypatch.setattr(speed, "time_restore_command", fake)
    assert speed.time_command(["bm3d"]) == (None, {})
    measured, details = speed.time_command(["epll-exact", "bm3d"])
    (image, options, kwargs), = seen
    assert image == speed.COMMAND_IMAGE and image.name == "cameraman_noisy25.png"
    assert options == ["--sigma", "25", "--exact"] and kwargs["input_name"] == image.name
    assert details == {"method": "epll-exact", "image": "data/examples/cameraman_noisy25.png"}
    note = command_note(record_command({}, measured, **details))
    assert "on a 256x256 image (data/examples/cameraman_noisy25.png) took 2.00 s" in note
