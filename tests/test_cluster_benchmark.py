"""The Dask scaling benchmark, end to end on tiny data: JSON, table, equal outputs."""
import json

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("distributed")

from benchmarks.cluster import main  # noqa: E402


def _save(folder, count, shape):
    folder.mkdir()
    for index in range(count):
        rng = np.random.default_rng(index)
        ys, xs = np.mgrid[:shape[0], :shape[1]]
        image = 0.5 + 0.4 * np.sin(xs / (4 + index)) * np.cos(ys / 6) + rng.normal(0, 0.02, shape)
        Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8)).save(
            folder / f"{index:03d}.png")
    return folder


def test_benchmark_writes_json_and_table(tmp_path, capsys):
    test_set = _save(tmp_path / "test", 3, (40, 48))
    training = _save(tmp_path / "train", 3, (60, 60))
    assert main(["--data", str(test_set), "--limit", "3", "--workers", "2", "--em-data",
                 str(training), "--em-patches", "1200", "--em-components", "3",
                 "--em-iterations", "2", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "cluster.json").read_text())
    batch = result["batch"]
    assert set(batch) == {"loop, 1 thread", "loop, default threads", "2 workers"}
    for row in batch.values():
        assert row["max_difference_from_loop"] == 0 and row["images_per_second"] > 0
    assert batch["2 workers"]["start_seconds"] > 0
    em = result["em"]
    assert set(em) == {"one process, default threads", "one process, 1 thread", "2 workers"}
    assert all(row["max_parameter_difference"] < 1e-6 for row in em.values())
    assert all(len(row["iteration_seconds"]) == 2 for row in em.values())
    section = capsys.readouterr().out
    assert "| 2 workers |" in section and "s / iteration" in section
