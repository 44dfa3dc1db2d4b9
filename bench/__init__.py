"""The performance benchmark of issue 6 (`make bench`); not part of the test suite."""
