"""Grants: envelopes, payment schedules, the re-check of awarded amounts."""
