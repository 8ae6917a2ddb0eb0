"""Small hostile files built at test time: bombs by their headers, corrupt and truncated files,
and a runner that measures a `restore` process (exit status, stderr, refusal time, peak memory)."""
import io
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
BOMB_SIDE = 60000  # 60000 x 60000 = 3.6 gigapixels declared

#: Runs the command in-process inside a fresh interpreter. The command's modules are imported
#: first, untimed (every run pays for them, whatever the file); the call to main() is timed:
#: what the refusal costs. The peak resident memory is that of the whole process: VmHWM of
#: /proc/self/status (ru_maxrss would also count the forking parent's memory before exec).
RUNNER = """
import json, resource, sys, time
from restore.cli import main as entry, restore_command, restore_file
from restore.cli.main import main
start = time.perf_counter()
code = main(sys.argv[2:])
elapsed = time.perf_counter() - start
try:
    with open("/proc/self/status") as status:
        peak_mb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
except OSError:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "seconds": elapsed, "peak_mb": peak_mb}, out)
sys.exit(code)
"""


def run_measured(argv, measure_file, timeout=120):
    """``(result dict, stderr)`` of the command run in a child process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUNNER, str(measure_file), *map(str, argv)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    result = json.loads(Path(measure_file).read_text()) if Path(measure_file).exists() else {}
    result.update(returncode=done.returncode, process_seconds=time.perf_counter() - start)
    return result, done.stderr


#: Put on PYTHONPATH as sitecustomize.py: $HOSTILE_MARKER is created when the run reaches
#: $HOSTILE_PHASE ("eigen": the prior's eigendecomposition; "restore": the denoising recipe;
#: "write": the encoder, which then writes part of the file and stalls), so that a test can
#: send a signal at that moment.
SITECUSTOMIZE = """
import os, time
phase, marker = os.environ.get("HOSTILE_PHASE"), os.environ.get("HOSTILE_MARKER")

def stall():
    # mark the phase, then stay in it: a fast machine would otherwise leave it before
    # the signal comes
    open(marker, "w").close()
    time.sleep(60)

if phase == "start":  # the command has begun its first file
    from restore.cli import restore_file as module
    first = module.restore_file
    def stalled_start(*args, **kwargs):
        stall()
        return first(*args, **kwargs)
    module.restore_file = stalled_start
elif phase == "eigen":
    from priors.gmm import GaussianMixturePrior
    eigen = GaussianMixturePrior._eigen
    def slow_eigen(self):
        stall()
        return eigen(self)
    GaussianMixturePrior._eigen = slow_eigen
elif phase == "restore":
    from restore.recipes.denoise import DenoiseRecipe
    restore = DenoiseRecipe.restore
    def stalled_restore(self, *args, **kwargs):
        stall()
        return restore(self, *args, **kwargs)
    DenoiseRecipe.restore = stalled_restore
elif phase == "write":
    from restore.io import encoders
    def stalling_png(file, pixels):
        file.write(b"half a PNG")
        file.flush()
        stall()
    encoders.encode_png = stalling_png
"""


def start_with_hook(argv, hook_folder, phase, marker):
    """The command started in a child process with :data:`SITECUSTOMIZE` active for ``phase``."""
    (Path(hook_folder) / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = dict(os.environ, PYTHONPATH=f"{hook_folder}{os.pathsep}{ROOT}", HOSTILE_PHASE=phase,
               HOSTILE_MARKER=str(marker))
    return subprocess.Popen([sys.executable, "-m", "restore.cli", *map(str, argv)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def png_chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def png_bomb(bit_depth, colour_type=2, side=BOMB_SIDE):
    """A PNG declaring side x side pixels, with a few MB of zero rows deflated to a few KB."""
    header = struct.pack(">IIBBBBB", side, side, bit_depth, colour_type, 0, 0, 0)
    data = zlib.compress(bytes(4 << 20), 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data)
            + png_chunk(b"IEND", b""))


def tiff_file(pages):
    """A little-endian TIFF of ``(width, height, strip)`` pages: 8-bit grey, deflate-compressed,
    one strip each (a tiny strip with a huge size declared makes a bomb)."""
    out = bytearray(b"II*\x00" + struct.pack("<I", 0))
    next_offset_at = 4
    for width, height, strip in pages:
        strip_offset = len(out)
        out += strip
        tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 8), (262, 3, 1),
                (273, 4, strip_offset), (277, 3, 1), (278, 4, height), (279, 4, len(strip))]
        if len(out) % 2:
            out += b"\x00"
        struct.pack_into("<I", out, next_offset_at, len(out))
        out += struct.pack("<H", len(tags))
        for tag, kind, value in tags:
            out += struct.pack("<HHI", tag, kind, 1) + struct.pack("<I" if kind == 4 else "<HH",
                                                                  *((value,) if kind == 4
                                                                    else (value, 0)))
        next_offset_at = len(out)
        out += struct.pack("<I", 0)
    return bytes(out)


def small_tiff_page(side=24):
    return side, side, zlib.compress(bytes(range(side)) * side)


def tiff_bomb():
    return tiff_file([(BOMB_SIDE, BOMB_SIDE, zlib.compress(bytes(4 << 20), 9))])


def jpeg_bytes(pixels, **options):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def jpeg_bomb():
    """A small JPEG whose SOF0 header declares 65000 x 65000 pixels."""
    data = bytearray(jpeg_bytes(np.zeros((16, 16), np.uint8)))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 65000, 65000)
    return bytes(data)


def corrupt_jpeg_scan(data):
    """``data`` with a few bytes of its entropy-coded scan flipped (no new markers)."""
    data = bytearray(data)
    start = data.index(b"\xff\xda") + 40
    for i in range(start, start + 8):
        data[i] = (data[i] ^ 0x5A) if (data[i] ^ 0x5A) != 0xFF else 0x12
    return bytes(data)


def npy_bomb(shape=(BOMB_SIDE, BOMB_SIDE), dtype="<f4"):
    """A .npy header declaring ``shape`` followed by a few bytes of data."""
    from numpy.lib import format as npy

    buffer = io.BytesIO()
    npy.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False,
                                        "shape": shape})
    return buffer.getvalue() + bytes(64)
