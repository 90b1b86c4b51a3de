with

metrics as (
    select * from {{ ref('stg_lake__metrics') }}
),

-- Bucket samples: `<name>_bucket` with an `le` label (Prometheus text, OpenMetrics, OTLP and
-- Fluent Bit histograms all land this way). A series is the metric plus all its labels, le too.
bucket_samples as (
    select
        substring(metric, 1, {{ dbt.length('metric') }} - 7) as metric,
        {{ synmon.labels_without_le('labels') }} as labels,
        labels as series_labels,
        {{ synmon.histogram_bound('le') }} as upper_bound,
        host,
        component,
        ts,
        value,
        temporality,
        lag(value) over (partition by metric, labels, temporality order by ts) as previous_value,
        lag(ts) over (partition by metric, labels, temporality order by ts) as previous_ts
    from metrics
    where le is not null and {{ dbt.right('metric', 7) }} = '_bucket'
),

-- Per series and hour: the increase of the cumulative count, each step attributed to the hour of
-- its later sample (as int_counter_rates and rpt_resources_1m), resets as Prometheus rate(). An
-- OTLP delta point is its own increase (the first point of a series too), without reset logic.
series_hourly as (
    select
        metric,
        labels,
        series_labels,
        upper_bound,
        {{ dbt.date_trunc('hour', 'ts') }} as hour,
        max(host) as host,
        max(component) as component,
        sum(
            case
                when temporality = 'delta' then value
                else {{ synmon.counter_increase('value', 'previous_value') }}
            end
        ) as increase,
        sum({{ dbt.datediff('previous_ts', 'ts', 'millisecond') }} / 1000.0) as interval_seconds
    from bucket_samples
    where previous_ts is not null or temporality = 'delta'
    group by 1, 2, 3, 4, 5
),

-- Series whose `le` texts differ but mean the same bound ('1' and '1.0') are one bucket.
final as (
    select
        metric,
        labels,
        hour,
        upper_bound,
        max(host) as host,
        max(component) as component,
        sum(increase) as bucket_increase,
        sum({{ synmon.ratio('increase', 'interval_seconds') }}) as rate_per_second
    from series_hourly
    group by 1, 2, 3, 4
)

select * from final
