"""The functional core: pure functions of recorded data, no I/O."""
