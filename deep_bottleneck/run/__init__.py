"""One experiment: its repetitions, their recording and estimation, the network family, the verdicts and plots."""
