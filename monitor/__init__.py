"""Pilot Monitor: run a data backfill unattended for a time budget and report on it."""
