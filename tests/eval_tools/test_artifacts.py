"""Movies show in a notebook, with or without IPython installed."""

import base64
import hashlib
import subprocess

import imageio_ffmpeg
import nbformat
import numpy as np
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT

WITHOUT_IPYTHON = """
import base64, hashlib, re, sys
sys.modules["IPython"] = None  # importing IPython now fails, as where it is not installed
from deep_bottleneck.eval_tools import ExperimentLoader
experiment = ExperimentLoader(runs_dir=sys.argv[1]).find_by_config_key("dataset", "zero_mean")[0]
html = experiment.artifacts["infoplane_movie"].show()._repr_html_()
try:
    import IPython
except ImportError:
    print("no IPython")
print(experiment.id)
print(html[:len("<video controls>")])
print(hashlib.md5(base64.b64decode(re.search('src="data:video/mp4;base64,([^"]+)"', html).group(1))).hexdigest())
"""


def test_a_movie_shows_without_ipython(cohort, python):
    done = subprocess.run([python, "-c", WITHOUT_IPYTHON, str(cohort)], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    no_ipython, run_id, tag, md5 = done.stdout.splitlines()
    assert no_ipython == "no IPython"
    assert tag == "<video controls>"
    assert md5 == hashlib.md5((cohort / run_id / "infoplane_movie.mp4").read_bytes()).hexdigest()


def test_a_movie_plays_inline_in_a_notebook(monkeypatch, tmp_path):
    frames = imageio_ffmpeg.write_frames(str(tmp_path / "clip.mp4"), (32, 32), fps=5)
    frames.send(None)
    for shade in range(0, 250, 25):
        frames.send(np.full((32, 32, 3), shade, dtype=np.uint8).tobytes())
    frames.close()
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from deep_bottleneck.eval_tools import MP4Artifact\n"
        "MP4Artifact('clip.mp4', lambda: open('clip.mp4', 'rb').read()).show()")])
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    (output,) = notebook.cells[0].outputs
    clip = base64.b64encode((tmp_path / "clip.mp4").read_bytes()).decode("ascii")
    html = output["data"]["text/html"]
    assert html.startswith("<video controls") and html.endswith("</video>")
    assert f'src="data:video/mp4;base64,{clip}"' in html
