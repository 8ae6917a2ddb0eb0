"""Small pieces every layer may use: input validation, progress bars, stage timers."""
