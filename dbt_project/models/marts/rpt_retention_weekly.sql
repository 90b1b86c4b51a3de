with

user_days as (
    select * from {{ ref('int_user_days') }}
),

user_weeks as (
    select distinct
        user_id,
        cast({{ dbt.date_trunc('week', 'day') }} as date) as activity_week
    from user_days
),

cohorts as (
    select
        user_id,
        min(activity_week) as cohort_week
    from user_weeks
    group by 1
),

cohort_sizes as (
    select
        cohort_week,
        count(*) as cohort_users
    from cohorts
    group by 1
),

weeks as (
    select distinct activity_week from user_weeks
),

-- Every week from the cohort's first to the last observed, so a week nobody returned is a 0.
grid as (
    select
        cohort_sizes.cohort_week,
        cohort_sizes.cohort_users,
        weeks.activity_week
    from cohort_sizes
    inner join weeks on weeks.activity_week >= cohort_sizes.cohort_week
),

activity as (
    select
        cohorts.cohort_week,
        user_weeks.activity_week,
        count(*) as retained_users
    from user_weeks
    inner join cohorts on cohorts.user_id = user_weeks.user_id
    group by 1, 2
),

final as (
    select
        grid.cohort_week,
        {{ dbt.datediff('grid.cohort_week', 'grid.activity_week', 'week') }} as week_offset,
        grid.cohort_users,
        coalesce(activity.retained_users, 0) as retained_users,
        {{ ratio('coalesce(activity.retained_users, 0)', 'grid.cohort_users') }} as retention_rate
    from grid
    left join activity
        on activity.cohort_week = grid.cohort_week
        and activity.activity_week = grid.activity_week
)

select * from final
