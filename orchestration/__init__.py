"""The top floor: wires assets, checks, jobs, schedules, sensors and resources into Definitions."""
