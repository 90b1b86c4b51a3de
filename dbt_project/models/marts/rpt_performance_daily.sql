{{ performance_rollup('day', 'day', 86400) }}
