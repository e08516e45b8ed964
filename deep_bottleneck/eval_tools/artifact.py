"""Artifacts of a run, loaded when first used, shown in a notebook or saved to disk."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


class Artifact:
    """Displays or saves an artifact.

    Args:
        name: File name of the artifact (e.g. ``infoplane.png``).
        load: Returns the artifact's bytes; called once, on first use.
    """

    extension = ""

    def __init__(self, name: str, load: Callable[[], bytes]) -> None:
        self.name = name
        self._load = load
        self._content: bytes | None = None

    @property
    def content(self) -> bytes:
        """The artifact's bytes."""
        if self._content is None:
            self._content = self._load()
        return self._content

    def save(self, path: str | Path | None = None) -> Path:
        """Write the artifact to ``path`` (default: its name in the working directory); return the path."""
        target = Path(path) if path is not None else Path(self.name)
        if target.is_dir():
            target = target / self.name
        target.write_bytes(self.content)
        return target

    def show(self) -> object:
        """Display the artifact in a notebook (plain artifacts show their size)."""
        return f"{self.name}: {len(self.content)} bytes"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class PNGArtifact(Artifact):
    """Displays or saves a PNG artifact."""

    extension = "png"

    @property
    def img(self):
        """The image as an array (height, width, channels)."""
        import matplotlib.pyplot as plt

        return plt.imread(io.BytesIO(self.content), format="png")

    def show(self, figsize: tuple[float, float] = (10, 10)) -> Figure:
        """The image in a matplotlib figure of ``figsize`` inches."""
        import matplotlib.pyplot as plt

        figure, axis = plt.subplots(figsize=figsize)
        axis.imshow(self.img)
        axis.axis("off")
        return figure


class MP4Artifact(Artifact):
    """Displays or saves an MP4 artifact."""

    extension = "mp4"

    def show(self) -> EmbeddedVideo:
        """The movie, which a notebook shows as a video player (IPython is not needed)."""
        return EmbeddedVideo(self.content, "video/mp4")


class EmbeddedVideo:
    """A video a notebook shows inline: Jupyter displays what ``_repr_html_`` returns.

    Args:
        content: The encoded video.
        mimetype: Its MIME type, e.g. ``video/mp4``.
    """

    def __init__(self, content: bytes, mimetype: str) -> None:
        self.content = content
        self.mimetype = mimetype

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.content).decode("ascii")
        return f'<video controls><source src="data:{self.mimetype};base64,{data}" type="{self.mimetype}"></video>'

    def __repr__(self) -> str:
        return f"EmbeddedVideo({self.mimetype}, {len(self.content)} bytes)"


class CSVArtifact(Artifact):
    """Displays and saves a CSV artifact."""

    extension = "csv"

    @property
    def frame(self):
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.read_csv(io.BytesIO(self.content))

    def show(self) -> pd.DataFrame:
        """The table, which a notebook shows as HTML."""
        return self.frame


ARTIFACT_TYPES = {cls.extension: cls for cls in (PNGArtifact, MP4Artifact, CSVArtifact)}


def artifact_for(name: str, load: Callable[[], bytes]) -> Artifact:
    """The artifact class that fits the file name's extension."""
    return ARTIFACT_TYPES.get(Path(name).suffix.lstrip(".").lower(), Artifact)(name, load)
