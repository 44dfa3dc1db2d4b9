"""The imperative shell's edge: Docker, PostgreSQL, files and the clock."""
