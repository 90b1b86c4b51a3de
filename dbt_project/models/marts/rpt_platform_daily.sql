with

requests as (
    select * from {{ ref('stg_lake__requests') }}
),

daily as (
    select
        day,
        count(*) as requests,
        sum(case when is_server_error then 1 else 0 end) as errors,
        {{ percentile_cont('latency_ms', 0.95) }} as latency_p95_ms,
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
        latency_p95_ms,
        active_users,
        cost_usd
    from daily
)

select * from final
