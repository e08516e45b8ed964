"""docs/eval_tools_demo.ipynb runs top to bottom against the real MongoDB server, beside a failed run, and shows
its figures and correct tables."""

import re

import nbformat
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT
from tests.cohort import WITH_FAILURE


def outputs_of(cell):
    """Each output's text, or its MIME types for rich outputs."""
    return [output.get("text", "") + " ".join(output.get("data", {})) for output in cell.outputs]


def test_demo_notebook_executes_against_mongodb_showing_its_figures(cohort_with_a_failure, mongo_server,
                                                                     monkeypatch, tmp_path):
    monkeypatch.setenv("DEEP_BOTTLENECK_MONGO_URL", mongo_server.url)
    monkeypatch.setenv("DEEP_BOTTLENECK_MONGO_DB", WITH_FAILURE)
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    notebook = nbformat.read(PROJECT_ROOT / "docs" / "eval_tools_demo.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not [output for cell in code for output in cell.outputs if output.output_type == "error"]
    by_source = {cell.source.split("\n")[0]: cell for cell in code}

    def rich(first_line, mime):
        (output,) = [o for o in by_source[first_line].outputs if mime in o.get("data", {})]
        return output["data"][mime]

    assert rich("%matplotlib inline", "text/plain") == "'MongoRunStore'"
    statuses = rich("[(e.id, e.status) for e in loader.find_by_config_key('dataset', 'datasets.harmonics', "
                    "exact=True, status=None)]", "text/plain")
    assert statuses.count("'COMPLETED'") == 3 and "(5, 'FAILED')" in statuses
    cohort_text = "".join(outputs_of(by_source["cohort = loader.find_by_config_key('dataset', 'datasets.harmonics', "
                                               "exact=True)"]))
    assert "3 experiments differing in ['activation_fn', 'optimizer']" in cohort_text
    # The figures are shown: the planes side by side and the accuracy curves are images in the outputs.
    planes = by_source["fig, axes = plt.subplots(1, len(cohort), figsize=(6 * len(cohort), 5), squeeze=False)"]
    assert [o for o in planes.outputs if "image/png" in o.get("data", {})], outputs_of(planes)
    accuracy_cell = "accuracy = pd.DataFrame({label(e): e.metrics['validation.accuracy'] for e in cohort})"
    assert rich(accuracy_cell, "image/png")
    # One column per run, each headed by its id: runs that share the differing keys' values are not merged.
    header = re.search(r"<thead>(.*?)</thead>", rich(accuracy_cell, "text/html"), re.S).group(1)
    columns = re.findall(r"<th>(\d+): activation_fn: (\w+), optimizer: (\w+)</th>", header)
    assert len(columns) == 3 and len({run_id for run_id, _, _ in columns}) == 3
    assert {(activation, optimizer) for _, activation, optimizer in columns} == {
        ("tanh", "adam"), ("relu", "adam"), ("tanh", "sgd")}
    readout = rich("def readout_mi(measures):", "text/html")
    assert len(re.findall(r"<th>\d+: activation_fn", readout)) == 3
    verdicts = rich("compression_table(cohort, *differing_config_keys)[", "text/html")
    assert verdicts.count("needs &gt;= 2 runs") == 3 * 3, "three layers (two hidden, readout) of three runs"
