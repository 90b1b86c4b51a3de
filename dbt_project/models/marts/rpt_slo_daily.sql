with

hourly as (
    select * from {{ ref('int_slo_hourly') }}
),

daily as (
    select
        component,
        slo,
        cast(hour as date) as day,
        min(objective) as objective,
        min(window_days) as window_days,
        sum(total_requests) as total_requests,
        sum(bad_requests) as bad_requests
    from hourly
    group by 1, 2, 3
),

-- Burn rate windows end at the end of the day: the last 1 and 6 hours, the day, the last 3 days.
burn_windows as (
    select
        daily.component,
        daily.slo,
        daily.day,
        {% for name, hours in [('1h', 1), ('6h', 6), ('24h', 24), ('3d', 72)] %}
        sum(case when hourly.hour >= {{ dbt.dateadd('hour', 24 - hours, 'daily.day') }}
            then hourly.total_requests end) as total_{{ name }},
        sum(case when hourly.hour >= {{ dbt.dateadd('hour', 24 - hours, 'daily.day') }}
            then hourly.bad_requests end) as bad_{{ name }}{{ "," if not loop.last }}
        {% endfor %}
    from daily
    inner join hourly
        on hourly.component = daily.component
        and hourly.slo = daily.slo
        and hourly.hour >= {{ dbt.dateadd('hour', -48, 'daily.day') }}
        and hourly.hour < {{ dbt.dateadd('hour', 24, 'daily.day') }}
    group by 1, 2, 3
),

-- The compliance period: the window_days days ending on the day.
compliance as (
    select
        daily.component,
        daily.slo,
        daily.day,
        sum(past.total_requests) as total_window,
        sum(past.bad_requests) as bad_window
    from daily
    inner join daily as past
        on past.component = daily.component
        and past.slo = daily.slo
        and past.day <= daily.day
        and past.day > {{ dbt.dateadd('day', '-daily.window_days', 'daily.day') }}
    group by 1, 2, 3
),

final as (
    select
        daily.day,
        daily.component,
        daily.slo,
        daily.objective,
        1 - {{ ratio('compliance.bad_window', 'compliance.total_window') }} as attainment,
        1 - {{ ratio('compliance.bad_window', 'compliance.total_window') }}
            / (1 - daily.objective) as error_budget_remaining,
        {% for name in ['1h', '6h', '24h', '3d'] %}
        {{ ratio('burn_windows.bad_' ~ name, 'burn_windows.total_' ~ name) }}
            / (1 - daily.objective) as burn_rate_{{ name }},
        {% endfor %}
        daily.window_days,
        daily.total_requests,
        daily.bad_requests,
        1 - {{ ratio('daily.bad_requests', 'daily.total_requests') }} as day_attainment,
        compliance.total_window as window_total_requests,
        compliance.bad_window as window_bad_requests
    from daily
    inner join burn_windows
        on burn_windows.component = daily.component
        and burn_windows.slo = daily.slo
        and burn_windows.day = daily.day
    inner join compliance
        on compliance.component = daily.component
        and compliance.slo = daily.slo
        and compliance.day = daily.day
)

select * from final
