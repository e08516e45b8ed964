"""A user plotter plug-in (loaded by full import path) that writes a 20 MB movie-sized artifact."""

import numpy as np

from deep_bottleneck.plotter.base import BasePlotter

SIZE = 20 * 2**20


class MovieSizedPlotter(BasePlotter):
    plotname = "infoplane_movie"
    extension = "mp4"

    def generate(self, measures, context, output_dir):
        path = output_dir / f"{self.plotname}.{self.extension}"
        path.write_bytes(np.random.default_rng(int(measures["epoch"].max())).bytes(SIZE))
        return path


def load():
    return MovieSizedPlotter()
