{{ performance_rollup(synmon.time_window('ts', 5), 'ts_window', 300, var('rollup_retention_days')['5m']) }}
