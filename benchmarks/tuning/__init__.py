"""Tuning and study scripts: how the recipes' constants were chosen, on training images
only (Train400, BSDS500-test), never on the BSD68/CBSD68 test sets.

Each is ``python -m benchmarks.tuning.<script> ...`` from the checkout and writes its JSON
under ``benchmarks/results/``; ``docs/tuning.md`` says which result backs which constant.
They change a recipe with ``dataclasses.replace`` and run it with its ``restore`` method
(:mod:`restore.recipes`), so what they measure is what the library runs.

- :mod:`~benchmarks.tuning.recipe_variants`: recipes changed by ``key=value`` settings and
  training images spread over a folder (shared by the scripts below);
- :mod:`~benchmarks.tuning.tune_schedule`: the EPLL schedules and the deblurring peers;
- :mod:`~benchmarks.tuning.tune_inpaint_prior`: inpainting variants (prior, fast settings,
  patch window, schedules);
- :mod:`~benchmarks.tuning.tune_colour`: the colour strategy of denoising;
- :mod:`~benchmarks.tuning.vae_zstep_choice`: the VAE's z-step and its lambda;
- :mod:`~benchmarks.tuning.tune_dip`: Deep Image Prior's iterations, early stop, restarts;
- :mod:`~benchmarks.tuning.likelihood_study`: patch likelihood against denoising PSNR.
"""
