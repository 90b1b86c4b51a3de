with

spans as (
    select * from {{ ref('stg_lake__spans') }}
),

hourly as (
    select
        component,
        operation,
        {{ dbt.date_trunc('hour', 'ts') }} as hour,
        count(*) as spans,
        sum(case when is_error then 1 else 0 end) as error_spans,
        avg(duration_ms) as duration_avg_ms,
        {{ synmon.percentile_list('duration_ms', [0.5, 0.9, 0.95, 0.99]) }} as duration_pcts,
        max(duration_ms) as duration_max_ms
    from spans
    group by 1, 2, 3
),

final as (
    select
        component,
        operation,
        hour,
        spans,
        error_spans,
        {{ synmon.ratio('error_spans', 'spans') }} as error_rate,
        duration_avg_ms,
        {{ synmon.list_element('duration_pcts', 1) }} as duration_p50_ms,
        {{ synmon.list_element('duration_pcts', 2) }} as duration_p90_ms,
        {{ synmon.list_element('duration_pcts', 3) }} as duration_p95_ms,
        {{ synmon.list_element('duration_pcts', 4) }} as duration_p99_ms,
        duration_max_ms
    from hourly
)

select * from final
