"""Where the patch z-step runs: ``device=`` of the library, ``--device`` of the command.

``None`` or ``"cpu"``: the numpy and numba path; torch is not imported. ``"cuda"`` or
``"cuda:N"``: the torch backend of the Gaussian mixture priors (:mod:`priors.gmm_torch`)
on that GPU. A ``torch.device`` object runs the torch backend on that device,
``torch.device("cpu")`` included: how the tests check the backend on machines without
a GPU. Only the Gaussian mixture priors have the torch backend.
"""
from __future__ import annotations

import re
import sys

#: The device names ``device=`` and ``--device`` accept (and ``"cuda:N"``).
DEVICES = ("cpu", "cuda")


def resolve_device(device, prior=None):
    """``None`` for the numpy path, else the checked ``torch.device`` of the torch backend.

    Raises a one-line ValueError, saying what to do, for an unknown device, a CUDA
    device torch cannot see (or torch missing), and a ``prior`` without the backend.
    """
    if device is None or (isinstance(device, str) and device == "cpu"):
        return None
    loaded = sys.modules.get("torch")  # a torch.device implies torch is already imported
    if loaded is not None and isinstance(device, loaded.device):
        resolved = device
    elif isinstance(device, str) and re.fullmatch(r"cuda(:\d+)?", device):
        resolved = _cuda(device)
    else:
        raise ValueError(f"device must be one of {DEVICES} (or 'cuda:N', or a torch.device), "
                         f"got {device!r}")
    if resolved.type == "cuda":
        _check_cuda(resolved)
    if prior is not None:
        _check_prior(prior, device)
    return resolved


def _cuda(name):
    try:
        import torch
    except ImportError:
        raise ValueError(f"device={name!r} runs the z-step in torch, which is not installed; "
                         "install torch with CUDA support, or use device='cpu'") from None
    return torch.device(name)


def _check_cuda(device):
    import torch

    if not torch.cuda.is_available():
        raise ValueError(f"device '{device}' was asked for but torch {torch.__version__} sees no "
                         "CUDA GPU here (a CPU-only build, or no GPU or driver); use device "
                         "'cpu' (--device cpu), the default")
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(f"device '{device}' was asked for but torch sees only "
                         f"{torch.cuda.device_count()} CUDA GPU(s), cuda:0 .. "
                         f"cuda:{torch.cuda.device_count() - 1}")


def _check_prior(prior, device):
    from priors.gmm import GaussianMixturePrior

    if isinstance(prior, GaussianMixturePrior):
        return
    name = type(prior).__name__
    if name == "DeepImagePrior":
        raise ValueError(f"device={str(device)!r} is for the Gaussian mixture priors; Deep Image "
                         "Prior picks its own device: DeepImagePrior(device='cuda') (the command: "
                         "--prior dip --device cuda)")
    raise ValueError(f"device={str(device)!r} runs only the Gaussian mixture priors ('gmm', "
                     f"'gmm-untied') on torch; the {name} runs on the CPU: use device='cpu'")
