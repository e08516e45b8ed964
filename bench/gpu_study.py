"""The canonical study on a GPU, when JAX sees one: ``bench/study.py`` with T1 and the training on the GPU.

    .venv/bin/python bench/gpu_study.py                  # 50 repetitions, weights only
    .venv/bin/python bench/gpu_study.py --runs 5         # any other bench/study.py arguments pass through

JAX needs its CUDA build for this (``pip install -U "jax[cuda12]"`` in the project's environment). The script
first asks JAX for its default backend and says so, exiting with status 2, when it is not a GPU. Otherwise it runs
``bench/study.py --weights-only --parallel-runs 1`` with the given arguments: one process trains all repetitions
together (vectorised on the GPU; ``batched_training``), its estimation threads use the machine's cores, and JAX
allocates GPU memory as it needs it rather than most of it up front (``XLA_PYTHON_CLIENT_PREALLOCATE=false``): the
experiment's main process and its worker process both start JAX on the one GPU.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def jax_backend(environment: dict[str, str]) -> str:
    """JAX's default backend and first device in a fresh process, e.g. ``gpu NVIDIA H100 80GB HBM3``."""
    code = "import jax; print(jax.default_backend(), jax.devices()[0].device_kind)"
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          env=environment)
    if done.returncode != 0:
        sys.exit(f"JAX did not start:\n{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def main() -> int:
    environment = {**os.environ, "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    backend = jax_backend(environment)
    if not backend.startswith("gpu"):
        print(f"no GPU visible to JAX (its default backend is {backend.split()[0]}); install JAX's CUDA build "
              f'(pip install -U "jax[cuda12]") on a machine with a GPU, or run bench/study.py for the CPU')
        return 2
    print(f"JAX backend: {backend}")
    arguments = [sys.executable, str(BENCH / "study.py"), "--weights-only", "--parallel-runs", "1", *sys.argv[1:]]
    return subprocess.run(arguments, check=False, env=environment).returncode


if __name__ == "__main__":
    sys.exit(main())
