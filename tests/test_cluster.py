"""Dask: batches, tiles and EM on a LocalCluster of 2 workers equal the single-process results."""
import numpy as np
import pytest
from PIL import Image

pytest.importorskip("distributed")

from priors.gmm import GaussianMixturePrior  # noqa: E402
from priors.training import list_training_images, patches_per_image, sample_rows  # noqa: E402
from restore import cli, denoise, inpaint  # noqa: E402
from restore.cluster import connect, restore_many, train_gmm  # noqa: E402
from restore.cluster.em import part_bounds  # noqa: E402
from restore.io import read_image  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with connect(workers=2) as client:
        yield client


def _noisy(shape, seed, sigma=0.1):
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[:shape[0], :shape[1]]
    clean = 0.5 + 0.3 * np.sin(xs / (5 + seed)) * np.cos(ys / 7)
    if len(shape) == 3:
        clean = clean[..., None] * np.linspace(0.6, 1, shape[2])
    return np.clip(clean + rng.normal(0, sigma, clean.shape), 0, 1).astype(np.float32)


def test_batch_command_on_two_workers_matches_the_sequential_command(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for index, shape in enumerate([(40, 48), (36, 40), (44, 40, 3), (40, 40)]):
        Image.fromarray((_noisy(shape, index) * 255).round().astype(np.uint8)).save(
            folder / f"image{index}.png")
    (folder / "broken.png").write_bytes(b"not an image")
    common = [str(folder), "--sigma", "25", "--prior", "gmm-untied", "--quiet"]
    assert cli.main(common + ["-o", str(tmp_path / "one")]) == 1
    assert cli.main(common + ["-o", str(tmp_path / "cluster"), "--workers", "2"]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and errors[0] == errors[1].replace("cluster", "one")
    assert "1 of 5 files failed" in errors[1] and "broken.png" in errors[1]
    for index in range(4):
        sequential, _ = read_image(tmp_path / "one" / f"image{index}.png")
        distributed, _ = read_image(tmp_path / "cluster" / f"image{index}.png")
        np.testing.assert_array_equal(distributed, sequential)
    assert not (tmp_path / "cluster" / "broken.png").exists()


def test_restore_many_matches_the_library_and_loads_each_prior_once_per_worker(client):
    from priors import registry

    images = [_noisy((40, 44), seed) for seed in range(4)]
    results = restore_many(images, client=client, sigma=0.1, prior="gmm-untied", rng=0)
    for image, result in zip(images, results):
        np.testing.assert_array_equal(result, denoise(image, 0.1, prior="gmm-untied", rng=0))
    restore_many(images, client=client, sigma=0.05, prior="gmm-untied", rng=1)
    loads = client.run(lambda: registry._cached.cache_info().misses)
    assert len(loads) == 2 and set(loads.values()) == {1}


def test_restore_many_reads_files_and_returns_futures(client, tmp_path):
    path = tmp_path / "noisy.png"
    image = _noisy((40, 40, 3), 5)
    Image.fromarray((image * 255).round().astype(np.uint8)).save(path)
    futures = restore_many([path, str(path)], client=client, futures=True, sigma=0.1,
                           prior="gmm-untied", rng=0)
    first, second = client.gather(futures)
    read, _ = read_image(path)
    expected = denoise(read, 0.1, prior="gmm-untied", rng=0, channel_axis=-1)
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(second, expected)
    with pytest.raises(ValueError, match="task must be one of"):
        restore_many([image], task="sharpen")


@pytest.mark.parametrize("shape", [(150, 170), (130, 140, 3)])
def test_tiles_on_the_cluster_equal_the_single_process_tiles(client, shape):
    image = _noisy(shape, 2)
    channel_axis = -1 if len(shape) == 3 else None
    options = dict(prior="gmm-untied", rng=7, tile_size=64, channel_axis=channel_axis)
    single = denoise(image, 0.1, **options)
    on_cluster = denoise(image, 0.1, executor=client, **options)
    np.testing.assert_array_equal(on_cluster, single)


def test_inpainting_tiles_get_their_mask_window_on_the_cluster(client):
    image = _noisy((120, 130), 3, sigma=0.0)
    known = np.random.default_rng(0).random(image.shape) > 0.3
    options = dict(prior="gmm-untied", rng=1, tile_size=64)
    np.testing.assert_array_equal(inpaint(image * known, known, executor=client, **options),
                                  inpaint(image * known, known, **options))


@pytest.fixture(scope="module")
def training_images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    for index in range(5):
        image = _noisy((60 + 4 * index, 70), index, sigma=0.05)
        Image.fromarray((image * 255).round().astype(np.uint8)).save(folder / f"t{index}.png")
    return folder


@pytest.mark.parametrize("symmetry", ["none", "dihedral"])
def test_distributed_em_equals_single_process_em(client, training_images, symmetry):
    n, seed = 3000, 4
    distributed = train_gmm([training_images], client, n_components=4, n_patches=n,
                            max_iter=5, tol=0, seed=seed, symmetry=symmetry, progress=False,
                            parts=3)
    paths = [str(path.resolve()) for path in list_training_images([training_images])]
    patches = sample_rows(paths, patches_per_image(len(paths), n), 8, seed, 0, n)
    single = GaussianMixturePrior(4, 8, max_iter=5, tol=0, symmetry=symmetry,
                                  rng=np.random.default_rng(seed)).fit(patches)
    assert distributed.n_iter_ == single.n_iter_ == 5
    for ours, theirs in zip(distributed._orbits, single._orbits):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    np.testing.assert_allclose(distributed.lower_bounds_, single.lower_bounds_, rtol=1e-6)
    assert distributed.lower_bounds_[-1] > distributed.lower_bounds_[0]


def test_patch_rows_do_not_depend_on_how_they_are_cut(training_images):
    paths = [str(path) for path in list_training_images([training_images])]
    counts = patches_per_image(len(paths), 500)
    whole = sample_rows(paths, counts, 8, 0, 0, 500)
    cut = np.concatenate([sample_rows(paths, counts, 8, 0, start, stop)
                          for start, stop in part_bounds(500, 3, 64)])
    assert whole.shape == (500, 64)
    np.testing.assert_array_equal(cut, whole)
    assert part_bounds(500, 3, 64) == [(0, 192), (192, 320), (320, 500)]
    assert part_bounds(100, 8, 64) == [(0, 64), (64, 100)]


def test_train_command_on_workers_writes_a_prior(training_images, tmp_path, capsys):
    output = tmp_path / "gmm.npz"
    assert cli.main(["train", "gmm", "--data", str(training_images), "--components", "3",
                     "--patches", "1500", "--max-iter", "3", "--workers", "2", "--quiet",
                     "-o", str(output)]) == 0
    prior = GaussianMixturePrior.load(output)
    assert prior.n_components == 3 and prior.n_train_ == 1500


@pytest.mark.parametrize("argv, message", [
    (["train", "vae", "--workers", "2"], "--workers and --scheduler apply to gmm only"),
    (["train", "gmm", "--workers", "2", "--scheduler", "tcp://x:1"], "not allowed with"),
    (["in.png", "--workers", "0"], "--workers: must be at least 1"),
])
def test_cluster_usage_errors(tmp_path, capsys, argv, message):
    argv = argv + (["--data", str(tmp_path)] if argv[0] == "train" else [])
    assert cli.main(argv + ["-o", str(tmp_path / "out.npz")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_an_unreachable_scheduler_is_a_one_line_runtime_error(tmp_path, capsys):
    image = tmp_path / "in.png"
    Image.fromarray((_noisy((32, 32), 0) * 255).astype(np.uint8)).save(image)
    assert cli.main([str(image), "-o", str(tmp_path / "out.png"), "--sigma", "10",
                     "--scheduler", "tcp://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out.png").exists()
