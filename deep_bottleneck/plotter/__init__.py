"""Plotter plug-ins: each module's ``load(**arguments)`` returns a ``BasePlotter``."""
