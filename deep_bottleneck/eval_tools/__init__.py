"""Query stored runs (MongoDB or the file store) from notebooks: configs, metrics and artifacts.

    from deep_bottleneck.eval_tools import ExperimentLoader
    loader = ExperimentLoader()                        # $DEEP_BOTTLENECK_MONGO_URL, else runs/
    experiment = loader.find_by_id(3)
    experiment.artifacts["infoplane"].show()
    experiment.metrics["validation.accuracy"].plot()
    compression_table(loader.find_by_name("saxe"), "activation_fn")   # does each layer compress?
"""

from deep_bottleneck.eval_tools.artifact import Artifact, CSVArtifact, MP4Artifact, PNGArtifact
from deep_bottleneck.eval_tools.compression import compression_table
from deep_bottleneck.eval_tools.experiment import Experiment
from deep_bottleneck.eval_tools.experiment_loader import ExperimentLoader
from deep_bottleneck.eval_tools.utils import find_differing_config_keys, format_config

__all__ = [
    "Artifact", "CSVArtifact", "MP4Artifact", "PNGArtifact", "Experiment", "ExperimentLoader",
    "find_differing_config_keys", "format_config", "compression_table",
]
