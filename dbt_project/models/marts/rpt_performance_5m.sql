{{ performance_rollup(synmon.time_window('ts', 5), 'ts_window', 300) }}
