with

source as (
    select * from {{ lake_source('events') }}
),

final as (
    select
        ts,
        cast(ts as date) as day,
        event,
        component,
        domain,
        user_id,
        content_id,
        tokens,
        passed,
        accuracy,
        false_positive,
        quality_score,
        satisfaction,
        version,
        _source as source_file,
        _line as source_line
    from source
)

select * from final
