"""Many experiments: config grids, the local runner, SGE and Slurm jobs, the lookup of completed runs."""
