{{ performance_rollup(synmon.time_window('ts', 1), 'ts_window', 60, var('rollup_retention_days')['1m']) }}
