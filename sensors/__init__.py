"""Dagster sensors (landing, alerts) and the pure decision logic, channels and ops store behind them."""
