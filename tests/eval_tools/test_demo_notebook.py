"""docs/eval_tools_demo.ipynb runs top to bottom in its short form, as the documentation's build runs it: it makes its
own runs with run_experiments_local.py in a temporary file store, and shows their figures and correct tables."""

import re

import nbformat
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT


def outputs_of(cell):
    """Each output's text, or its MIME types for rich outputs."""
    return [output.get("text", "") + " ".join(output.get("data", {})) for output in cell.outputs]


def test_demo_notebook_makes_its_runs_and_shows_their_figures(monkeypatch, tmp_path):
    for variable in ("DEEP_BOTTLENECK_MONGO_URL", "DEEP_BOTTLENECK_MONGO_DB", "DEEP_BOTTLENECK_RUNS_DIR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DEEP_BOTTLENECK_NOTEBOOKS", "short")
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    notebook = nbformat.read(PROJECT_ROOT / "docs" / "eval_tools_demo.ipynb", as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(PROJECT_ROOT / "docs")}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not [output for cell in code for output in cell.outputs if output.output_type == "error"]
    by_source = {cell.source.split("\n")[0]: cell for cell in code}

    def rich(first_line, mime):
        (output,) = [o for o in by_source[first_line].outputs if mime in o.get("data", {})]
        return output["data"][mime]

    batch = "".join(outputs_of(by_source["import subprocess"]))
    assert "-d configs/grids/saxe_tanh_relu.json -j 2" in batch and "with epochs=20 n_runs=2" in batch
    assert "2 completed of 2." in batch
    assert sorted(path.name for path in tmp_path.glob("eval_tools_demo_*/[0-9]*")) == ["1", "2"]
    assert rich("%matplotlib inline", "text/plain") == "'FileRunStore'"
    statuses = rich("[(e.id, e.name, e.status) for e in loader.find_by_cohort('saxe_tanh_relu', status=None)]",
                    "text/plain")
    assert statuses.count("'COMPLETED'") == 2 and "'saxe_tanh_relu_activation_fn_relu'" in statuses
    cohort_text = "".join(outputs_of(by_source["cohort = loader.find_by_config_key('dataset', 'datasets.harmonics', "
                                               "exact=True)"]))
    assert "2 experiments differing in ['activation_fn']" in cohort_text
    # The figures are shown: the planes side by side and the accuracy curves are images in the outputs.
    planes = by_source["fig, axes = plt.subplots(1, len(cohort), figsize=(6 * len(cohort), 5), squeeze=False)"]
    assert [o for o in planes.outputs if "image/png" in o.get("data", {})], outputs_of(planes)
    accuracy_cell = "accuracy = pd.DataFrame({label(e): e.metrics['validation.accuracy'] for e in cohort})"
    assert rich(accuracy_cell, "image/png")
    # One column per run, each headed by its id and activation function.
    header = re.search(r"<thead>(.*?)</thead>", rich(accuracy_cell, "text/html"), re.S).group(1)
    assert sorted(re.findall(r"<th>\d+: activation_fn: (\w+)</th>", header)) == ["relu", "tanh"]
    readout = rich("def readout_mi(measures):", "text/html")
    assert len(re.findall(r"<th>\d+: activation_fn", readout)) == 2
    verdicts = rich("compression_table(cohort, *differing_config_keys)[", "text/html")
    # Two repetitions per run: every layer (five hidden and the readout) of both runs has a verdict with an interval.
    assert verdicts.count("does not compress") + verdicts.count(">compresses<") == 2 * 6
    assert "needs &gt;= 2 runs" not in verdicts
