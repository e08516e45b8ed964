"""docs/eval_tools_demo.ipynb runs top to bottom against the real MongoDB server."""

import nbformat
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT
from tests.cohort import DB


def test_demo_notebook_executes_against_mongodb(cohort, mongo_server, monkeypatch, tmp_path):
    monkeypatch.setenv("DEEP_BOTTLENECK_MONGO_URL", mongo_server.url)
    monkeypatch.setenv("DEEP_BOTTLENECK_MONGO_DB", DB)
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    notebook = nbformat.read(PROJECT_ROOT / "docs" / "eval_tools_demo.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    text = "\n".join(output.get("text", "") for output in outputs)
    assert "3 experiments differing in ['activation_fn', 'optimizer']" in text
    assert "MongoRunStore" in str([output.get("data", {}) for output in outputs])
