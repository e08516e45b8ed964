"""Dataset plug-ins: each module's ``load(**dataset_args)`` returns ``(training, test)`` splits."""
