{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='hour',
    on_schema_change='fail',
    post_hook="{{ synmon.incremental_record_state() }}",
) }}

{#- The SLOs are part of each day's input: editing config/slos.yaml rebuilds every day. -#}
{%- set days = synmon.incremental_days(
    synmon.fingerprints_with(synmon.lake_fingerprints('requests'), synmon.slo_objectives())
) %}

with

requests as (
    select * from {{ ref('fct_requests') }}
    where {{ synmon.days_filter(days) }}
),

objectives as (
    {{ slo_objectives() }}
),

components as (
    select distinct component from requests
),

-- A component's own SLO of a name replaces the default ('*') of that name.
resolved as (
    select
        components.component,
        objectives.slo,
        objectives.kind,
        objectives.objective,
        objectives.threshold_ms,
        objectives.window_days
    from components
    inner join objectives
        on objectives.component = components.component
        or (
            objectives.component = '*'
            and not exists (
                select 1 from objectives as own
                where own.component = components.component and own.slo = objectives.slo
            )
        )
),

hourly as (
    select
        resolved.component,
        resolved.slo,
        {{ dbt.date_trunc('hour', 'requests.ts') }} as hour,
        count(*) as total_requests,
        sum(
            case
                when resolved.kind = 'availability' and requests.is_server_error then 1
                when resolved.kind = 'latency' and requests.latency_ms > resolved.threshold_ms
                    then 1
                else 0
            end
        ) as bad_requests
    from requests
    inner join resolved on resolved.component = requests.component
    group by 1, 2, 3
),

final as (
    select
        hourly.component,
        hourly.slo,
        hourly.hour,
        resolved.kind,
        resolved.objective,
        resolved.threshold_ms,
        resolved.window_days,
        hourly.total_requests,
        hourly.bad_requests
    from hourly
    inner join resolved
        on resolved.component = hourly.component and resolved.slo = hourly.slo
)

select * from final
