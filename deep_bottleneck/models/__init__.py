"""Model plug-ins: each module's ``load(...)`` returns a compiled Keras model (contract: ``models.base``)."""
