with

metrics as (
    select * from {{ ref('stg_lake__metrics') }}
),

counter_rates as (
    select * from {{ ref('int_counter_rates') }}
),

gauges as (
    select
        host,
        {{ synmon.time_window('ts', 1) }} as ts_window,
        max(component) as component,
        avg(case when metric = 'synmon_cpu_utilization_ratio' then value end)
            as cpu_utilization,
        avg(case when metric = 'synmon_memory_utilization_ratio' then value end)
            as memory_utilization,
        avg(case when metric = 'synmon_disk_utilization_ratio' then value end)
            as disk_utilization,
        avg(case when metric = 'synmon_inflight_requests' then value end) as inflight_requests
    from metrics
    -- Host resources need a host: samples without one (an OTLP resource without host.name, an
    -- application metric) are not utilisation of any machine.
    where metric_type = 'gauge' and host is not null
    group by 1, 2
),

-- A host may expose several series of a counter (one per network device): their rates add up.
rates as (
    select
        host,
        {{ synmon.time_window('ts', 1) }} as ts_window,
        sum(case when metric = 'node_network_receive_bytes_total' then rate_per_second end)
            as network_receive_bytes_per_second,
        sum(case when metric = 'node_network_transmit_bytes_total' then rate_per_second end)
            as network_transmit_bytes_per_second,
        sum(case when metric = 'process_cpu_seconds_total' then rate_per_second end)
            as process_cpu_seconds_per_second
    from counter_rates
    where host is not null
    group by 1, 2
),

final as (
    select
        gauges.host,
        gauges.component,
        gauges.ts_window,
        gauges.cpu_utilization,
        gauges.memory_utilization,
        gauges.disk_utilization,
        gauges.inflight_requests,
        rates.network_receive_bytes_per_second,
        rates.network_transmit_bytes_per_second,
        rates.process_cpu_seconds_per_second
    from gauges
    left join rates on rates.host = gauges.host and rates.ts_window = gauges.ts_window
)

select * from final
