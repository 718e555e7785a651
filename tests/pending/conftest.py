"""Tests for frictions whose fix lives in files other branches own (issue 14): not collected until
the coordinator applies the fixes listed in each file's docstring, then drops this line."""

collect_ignore_glob = ["test_*.py"]
