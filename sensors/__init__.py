"""Dagster sensors (landing, alerts) and the Dagster-free rules, channels and ops store."""
