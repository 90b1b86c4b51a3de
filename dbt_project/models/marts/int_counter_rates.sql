{{ config(materialized='view') }}

with

metrics as (
    select * from {{ ref('stg_lake__metrics') }}
),

counters as (
    select
        metric,
        labels,
        host,
        component,
        ts,
        value,
        temporality,
        lag(value) over (partition by metric, labels, temporality order by ts) as previous_value,
        lag(ts) over (partition by metric, labels, temporality order by ts) as previous_ts
    from metrics
    where metric_type = 'counter'
),

-- As Prometheus rate(): a value below the previous one is a counter reset (a restart), and the
-- counter counted from zero since, so the increase is the new value itself. An OTLP delta point
-- is already the increase over its own interval: no difference, no reset logic, and the first
-- point of a series counts too (its interval, and so its rate, is unknown).
increases as (
    select
        *,
        case
            when temporality = 'delta' then value
            when value >= previous_value then value - previous_value
            else value
        end as increase
    from counters
    where previous_ts is not null or temporality = 'delta'
),

final as (
    select
        metric,
        labels,
        host,
        component,
        ts,
        value,
        increase,
        {{ dbt.datediff('previous_ts', 'ts', 'millisecond') }} / 1000.0 as interval_seconds,
        {{ ratio('increase', dbt.datediff('previous_ts', 'ts', 'millisecond') ~ ' / 1000.0') }}
            as rate_per_second
    from increases
)

select * from final
