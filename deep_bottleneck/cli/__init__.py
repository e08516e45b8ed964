"""The command lines: parse, call the stage that does the work, report in one line."""
