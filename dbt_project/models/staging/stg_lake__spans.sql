with

source as (
    select * from {{ lake_source('spans') }}
),

final as (
    select
        ts,
        end_ts,
        trace_id,
        span_id,
        parent_span_id,
        parent_span_id is null as is_root,
        -- The OTel SDKs' own fallback when a resource has no service.name.
        coalesce(component, 'unknown_service') as component,
        name as operation,
        case kind
            when '1' then 'internal'
            when '2' then 'server'
            when '3' then 'client'
            when '4' then 'producer'
            when '5' then 'consumer'
            when 'SPAN_KIND_INTERNAL' then 'internal'
            when 'SPAN_KIND_SERVER' then 'server'
            when 'SPAN_KIND_CLIENT' then 'client'
            when 'SPAN_KIND_PRODUCER' then 'producer'
            when 'SPAN_KIND_CONSUMER' then 'consumer'
            else 'unspecified'
        end as span_kind,
        duration_ms,
        status,
        status = 'error' as is_error,
        status_message,
        attributes,
        _source as source_file,
        _line as source_line
    from source
)

select * from final
