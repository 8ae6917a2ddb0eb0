"""Shared machinery of the benchmarks and tuning scripts, one job per module.

- :mod:`~benchmarks.harness.data`: the images of a dataset folder, crops, tiling, kernels;
- :mod:`~benchmarks.harness.noise`: seeded Gaussian noise and the methods' generators;
- :mod:`~benchmarks.harness.degradations`: seeded blur and mask degradations;
- :mod:`~benchmarks.harness.measure`: time and peak memory of one call;
- :mod:`~benchmarks.harness.scoring`: PSNR and SSIM;
- :mod:`~benchmarks.harness.methods`: the method type and availability checks;
- :mod:`~benchmarks.harness.denoising`, :mod:`~benchmarks.harness.denoising_report`:
  the seeded-noise denoising run (BSD68, CBSD68) and its table;
- :mod:`~benchmarks.harness.cases`: the run over degraded cases (deblurring, inpainting, DIP);
- :mod:`~benchmarks.harness.results`: JSON results (atomic writes, repository-relative
  paths, runs joined into one);
- :mod:`~benchmarks.harness.markdown`: markdown tables, the common parts of a section, and
  the update of one section of BENCHMARKS.md;
- :mod:`~benchmarks.harness.machine`: the machine, software and date of a run;
- :mod:`~benchmarks.harness.cli`: the command-line options the benchmarks share.

Import the modules themselves (``from benchmarks.harness.noise import noise_rng``);
this package re-exports nothing.
"""
