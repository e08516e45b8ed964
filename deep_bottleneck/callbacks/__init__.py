"""Keras callbacks. Modules with a ``load(...)`` are plug-ins for the config's ``callbacks`` list;
the recorder, metrics logger and progress bar are always attached by the pipeline."""
