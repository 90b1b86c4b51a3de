with

events as (
    select * from {{ ref('stg_lake__events') }}
),

daily as (
    select
        day,
        domain,
        component,
        sum(case when event = 'validation_result' then 1 else 0 end) as validations,
        avg(case when event = 'validation_result' then accuracy end) as accuracy_rate,
        sum(case when event = 'validation_result' and passed then 1 else 0 end) as validations_passed,
        sum(case when event = 'validation_result' and false_positive then 1 else 0 end)
            as false_positives,
        sum(case when event = 'quality_score' then 1 else 0 end) as quality_scores,
        avg(case when event = 'quality_score' then quality_score end) as quality_score,
        sum(case when event = 'user_feedback' then 1 else 0 end) as feedbacks,
        avg(case when event = 'user_feedback' then satisfaction end) as user_satisfaction
    from events
    where event in ('validation_result', 'quality_score', 'user_feedback')
    group by 1, 2, 3
),

final as (
    select
        day,
        domain,
        component,
        accuracy_rate,
        {{ ratio('validations_passed', 'validations') }} as validation_success_rate,
        quality_score,
        {{ ratio('false_positives', 'validations') }} as false_positive_rate,
        user_satisfaction,
        validations,
        quality_scores,
        feedbacks
    from daily
)

select * from final
