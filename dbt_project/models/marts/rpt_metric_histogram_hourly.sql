with

buckets as (
    select * from {{ ref('rpt_metric_histogram_buckets_hourly') }}
),

series as (
    select
        metric,
        labels,
        hour,
        max(host) as host,
        max(component) as component,
        count(*) as buckets,
        max(case when upper_bound = cast('Infinity' as double precision) then bucket_increase end)
            as observations,
        max(case when upper_bound = cast('Infinity' as double precision) then rate_per_second end)
            as observations_per_second
    from buckets
    group by 1, 2, 3
),

estimates as (
    {{ synmon.histogram_quantiles(
        'buckets', ['metric', 'labels', 'hour'], [0.5, 0.9, 0.95, 0.99],
        bound='upper_bound', count='bucket_increase',
    ) }}
),

final as (
    select
        series.metric,
        series.labels,
        series.hour,
        series.host,
        series.component,
        series.buckets,
        series.observations,
        series.observations_per_second,
        estimates.p50_est,
        estimates.p90_est,
        estimates.p95_est,
        estimates.p99_est
    from series
    left join estimates
        on estimates.metric = series.metric
        and estimates.labels = series.labels
        and estimates.hour = series.hour
)

select * from final
