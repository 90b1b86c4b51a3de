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
        component,
        domain,
        count(*) as requests,
        sum(tokens) as tokens,
        sum(cost_usd) as cost_usd
    from requests
    group by 1, 2, 3
),

final as (
    select
        day,
        component,
        domain,
        requests,
        tokens,
        cost_usd,
        {{ ratio('cost_usd', 'requests') }} as cost_per_request,
        {{ ratio('cost_usd * 1000', 'tokens') }} as cost_per_1k_tokens
    from daily
)

select * from final
