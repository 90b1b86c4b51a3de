with

source as (
    select * from {{ lake_source('metrics') }}
),

final as (
    select
        ts,
        name as metric,
        type as metric_type,
        value,
        host,
        component,
        le,
        quantile,
        labels,
        temporality,
        _source as source_file,
        _line as source_line
    from source
)

select * from final
