-- A table over small per-day inputs: the incremental rpt_component_daily (a few rows a day) and
-- int_user_days (one row per active user a day), so a rebuild never scans the requests, and a late
-- day moves the WAU and MAU of the 30 days after it without any bookkeeping.

with

component_daily as (
    select * from {{ ref('rpt_component_daily') }}
),

user_days as (
    select * from {{ ref('int_user_days') }}
),

events as (
    select * from {{ ref('stg_lake__events') }}
),

requests_daily as (
    select
        day,
        sum(requests) as api_requests,
        sum(errors) as server_errors,
        sum(cost_usd) as cost_usd
    from component_daily
    group by 1
),

content_daily as (
    select
        day,
        count(*) as content_generated
    from events
    where event = 'content_generated'
    group by 1
),

-- Active users over the 7 (30) days ending on each day, without a distinct count over a range
-- join: a user active on `day` counts towards the window ends from `day` until the next day they
-- are active or 7 (30) days later, whichever comes first. Those spans never overlap for a user, so
-- the running sum of +1 at a span's start and -1 at its end is the number of distinct users.
spans as (
    select
        day,
        lead(day) over (partition by user_id order by day) as next_day
    from user_days
),

deltas as (
    select day, 1 as dau, 1 as wau, 1 as mau from spans
    union all
    select {{ dbt.dateadd('day', 1, 'day') }}, -1, 0, 0 from spans
    union all
    select
        case
            when next_day < {{ dbt.dateadd('day', 7, 'day') }} then next_day
            else {{ dbt.dateadd('day', 7, 'day') }}
        end,
        0, -1, 0
    from spans
    union all
    select
        case
            when next_day < {{ dbt.dateadd('day', 30, 'day') }} then next_day
            else {{ dbt.dateadd('day', 30, 'day') }}
        end,
        0, 0, -1
    from spans
),

changes as (
    select
        cast(day as date) as day,
        sum(dau) as dau,
        sum(wau) as wau,
        sum(mau) as mau
    from deltas
    group by 1
),

rolling as (
    select
        day,
        sum(dau) over (order by day rows between unbounded preceding and current row) as dau,
        sum(wau) over (order by day rows between unbounded preceding and current row) as wau,
        sum(mau) over (order by day rows between unbounded preceding and current row) as mau
    from changes
),

final as (
    select
        requests_daily.day,
        cast(rolling.dau as bigint) as dau,
        cast(rolling.wau as bigint) as wau,
        cast(rolling.mau as bigint) as mau,
        coalesce(content_daily.content_generated, 0) as content_generated,
        requests_daily.api_requests,
        requests_daily.cost_usd,
        coalesce(content_daily.content_generated, 0)
            * cast({{ var('revenue_per_content_usd') }} as double precision) as revenue_impact_usd,
        requests_daily.server_errors
            * cast({{ var('revenue_per_content_usd') }} as double precision) as revenue_at_risk_usd
    from requests_daily
    left join rolling on rolling.day = requests_daily.day
    left join content_daily on content_daily.day = requests_daily.day
)

select * from final
