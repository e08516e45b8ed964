"""Callback plug-ins: each module's ``load(...)`` returns a ``keras.callbacks.Callback`` for the config's ``callbacks`` list."""
