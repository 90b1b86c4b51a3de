{#
    The body of the rpt_performance_* rollups: requests per component, endpoint, domain and window
    with server (5xx) and client (4xx) errors and exact latency percentiles.

    window_sql: SQL giving the window start from the columns of fct_requests;
    window_column: its name in the mart (ts_window, day); window_seconds: the window's length,
    the denominator of throughput_rps; retention_days: keep only the windows of the last N days
    of data (none: all history), the way Prometheus keeps fine resolution for recent data only.
#}

{% macro performance_rollup(window_sql, window_column, window_seconds, retention_days=none) %}

with

requests as (
    select * from {{ ref('fct_requests') }}
    {%- if retention_days is not none %}
    where ts >= {{ dbt.dateadd('day', -retention_days,
                               '(select max(ts) from ' ~ ref('fct_requests') ~ ')') }}
    {%- endif %}
),

windowed as (
    select
        component,
        endpoint,
        domain,
        {{ window_sql }} as {{ window_column }},
        count(*) as requests,
        sum(case when is_server_error then 1 else 0 end) as server_errors,
        sum(case when is_client_error then 1 else 0 end) as client_errors,
        avg(latency_ms) as latency_avg_ms,
        {{ synmon.percentile_list('latency_ms', [0.5, 0.75, 0.9, 0.95, 0.99]) }} as latency_pcts,
        max(latency_ms) as latency_max_ms
    from requests
    group by 1, 2, 3, 4
),

final as (
    select
        component,
        endpoint,
        domain,
        {{ window_column }},
        requests,
        server_errors,
        client_errors,
        {{ synmon.ratio('server_errors', 'requests') }} as error_rate,
        {{ synmon.ratio('requests', window_seconds) }} as throughput_rps,
        latency_avg_ms,
        {{ synmon.list_element('latency_pcts', 1) }} as latency_p50_ms,
        {{ synmon.list_element('latency_pcts', 2) }} as latency_p75_ms,
        {{ synmon.list_element('latency_pcts', 3) }} as latency_p90_ms,
        {{ synmon.list_element('latency_pcts', 4) }} as latency_p95_ms,
        {{ synmon.list_element('latency_pcts', 5) }} as latency_p99_ms,
        latency_max_ms
    from windowed
)

select * from final

{% endmacro %}
