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
        day,
        count(*) as requests,
        sum(case when is_server_error then 1 else 0 end) as errors,
        {{ percentile_list('latency_ms', [0.95, 0.5]) }} as latency_pcts,
        count(distinct user_id) as active_users,
        sum(cost_usd) as cost_usd
    from requests
    group by 1
),

final as (
    select
        day,
        requests,
        {{ ratio('errors', 'requests') }} as error_rate,
        {{ list_element('latency_pcts', 1) }} as latency_p95_ms,
        active_users,
        cost_usd,
        {{ list_element('latency_pcts', 2) }} as latency_p50_ms
    from daily
)

select * from final
