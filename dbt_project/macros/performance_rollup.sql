{#
    The body of the rpt_performance_* rollups: requests per component, endpoint, domain and window
    with server (5xx) and client (4xx) errors and exact latency percentiles.

    window_sql: SQL giving the window start from the columns of fct_requests;
    window_column: its name in the mart (ts_window, day); window_seconds: the window's length,
    the denominator of throughput_rps; retention_days: keep only the windows of the newest day
    of data and the N whole UTC days before it (none: all history), the way Prometheus keeps
    fine resolution for recent data only.

    Incremental (macros/incremental.sql): rebuilds the days whose fct_requests rows changed;
    windows never span two UTC days, so a day's windows depend on that day's requests only.
#}

{% macro performance_rollup(window_sql, window_column, window_seconds, retention_days=none) %}

{%- set post_hooks = ["{{ synmon.incremental_record_state() }}"] %}
{%- if retention_days is not none %}
    {%- do post_hooks.append(
        "{{ synmon.retention_delete('" ~ window_column ~ "', " ~ retention_days ~ ") }}"
    ) %}
{%- endif %}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=window_column,
    on_schema_change='fail',
    post_hook=post_hooks,
) }}

{%- set days = synmon.incremental_days(synmon.lake_fingerprints('requests')) %}

with

requests as (
    select * from {{ ref('fct_requests') }}
    where {{ synmon.days_filter(days) }}
    {%- if retention_days is not none %}
        and ts >= {{ synmon.retention_cutoff(retention_days) }}
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


{% macro retention_cutoff(retention_days) -%}
    {#- Midnight of the day `retention_days` days before the newest day of requests. -#}
    {{ dbt.dateadd('day', -retention_days, '(' ~ synmon.newest_request_day() ~ ')') }}
{%- endmacro %}


{% macro newest_request_day() -%}
    {{ return(adapter.dispatch('newest_request_day', 'synmon')()) }}
{%- endmacro %}

{% macro default__newest_request_day() -%}
    select cast(max(day) as timestamp) from {{ ref('fct_requests') }}
{%- endmacro %}

{% macro duckdb__newest_request_day() -%}
    {#- From the lake's folder names (ingest partitions requests by the date of `ts`), not a scan
        of every request's ts: 3 ms instead of ~0.5 s at 10M requests, twice per rollup. -#}
    select cast(max({{ synmon.lake_file_day('file') }}) as timestamp)
    from glob('{{ synmon.lake_glob('requests') }}')
{%- endmacro %}


{% macro retention_delete(window_column, retention_days) -%}
    {#- Post-hook of an incremental rollup with retention: drop the days that aged out. -#}
    delete from {{ this }} where {{ window_column }} < {{ synmon.retention_cutoff(retention_days) }}
{%- endmacro %}
