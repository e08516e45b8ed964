"""Dataset plug-ins: each module's ``load()`` returns ``(training, test)`` splits."""
