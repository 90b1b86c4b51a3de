"""What feeds the landing zone: the platform simulator and (later) Fluent Bit config rendering."""
