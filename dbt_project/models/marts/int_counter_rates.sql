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
        lag(value) over (partition by metric, labels order by ts) as previous_value,
        lag(ts) over (partition by metric, labels order by ts) as previous_ts
    from metrics
    where metric_type = 'counter'
),

-- As Prometheus rate(): a value below the previous one is a counter reset (a restart), and the
-- counter counted from zero since, so the increase is the new value itself.
final as (
    select
        metric,
        labels,
        host,
        component,
        ts,
        value,
        case
            when value >= previous_value then value - previous_value
            else value
        end as increase,
        {{ dbt.datediff('previous_ts', 'ts', 'millisecond') }} / 1000.0 as interval_seconds,
        {{ ratio(
            'case when value >= previous_value then value - previous_value else value end',
            dbt.datediff('previous_ts', 'ts', 'millisecond') ~ ' / 1000.0',
        ) }} as rate_per_second
    from counters
    where previous_ts is not null
)

select * from final
