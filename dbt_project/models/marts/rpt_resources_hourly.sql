with

metrics as (
    select * from {{ ref('stg_lake__metrics') }}
),

utilization as (
    select
        host,
        component,
        {{ dbt.date_trunc('hour', 'ts') }} as hour,
        metric,
        value
    from metrics
    where metric in (
        'synmon_cpu_utilization_ratio',
        'synmon_memory_utilization_ratio',
        'synmon_disk_utilization_ratio'
    )
),

hourly as (
    select
        host,
        hour,
        max(component) as component,
        avg(case when metric = 'synmon_cpu_utilization_ratio' then value end)
            as cpu_utilization,
        avg(case when metric = 'synmon_memory_utilization_ratio' then value end)
            as memory_utilization,
        avg(case when metric = 'synmon_disk_utilization_ratio' then value end)
            as disk_utilization
    from utilization
    group by 1, 2
),

final as (
    select
        host,
        hour,
        component,
        cpu_utilization,
        memory_utilization,
        disk_utilization
    from hourly
)

select * from final
