{{ performance_rollup(synmon.time_window('ts', 15), 'ts_window', 900) }}
