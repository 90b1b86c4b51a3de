{{ performance_rollup(synmon.time_window('ts', 1), 'ts_window', 60) }}
