"""Where runs live: the run folder, the file store, MongoDB, the import into it and the local server."""
