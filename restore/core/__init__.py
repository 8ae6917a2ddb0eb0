"""Small pieces every layer may use: input validation, progress bars, stage timers, and the
noise estimators (:mod:`~restore.core.noise_estimate`: white Gaussian sigma and
Poisson-Gaussian ``(a, b)`` from one image; numpy only)."""
