{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='day',
    on_schema_change='fail',
    post_hook="{{ synmon.incremental_record_state() }}",
) }}

{%- set days = synmon.incremental_days(synmon.lake_fingerprints('requests')) %}

with

requests as (
    select * from {{ ref('fct_requests') }}
    where {{ synmon.days_filter(days) }}
),

daily as (
    select
        component,
        day,
        count(*) as requests,
        sum(case when is_server_error then 1 else 0 end) as errors,
        {{ percentile_list('latency_ms', [0.5, 0.95, 0.99]) }} as latency_pcts,
        sum(cost_usd) as cost_usd,
        count(distinct user_id) as active_users
    from requests
    group by 1, 2
),

final as (
    select
        component,
        day,
        requests,
        errors,
        {{ ratio('errors', 'requests') }} as error_rate,
        {{ list_element('latency_pcts', 1) }} as latency_p50_ms,
        {{ list_element('latency_pcts', 2) }} as latency_p95_ms,
        {{ list_element('latency_pcts', 3) }} as latency_p99_ms,
        cost_usd,
        active_users
    from daily
)

select * from final
