with

source as (
    select * from {{ lake_source('requests') }}
),

final as (
    select
        ts,
        cast(ts as date) as day,
        request_id,
        trace_id,
        component,
        endpoint,
        method,
        status,
        status >= 500 as is_server_error,
        status >= 400 and status < 500 as is_client_error,
        latency_ms,
        domain,
        user_id,
        tokens_in,
        tokens_out,
        cost_usd,
        host,
        _source as source_file,
        _line as source_line
    from source
)

select * from final
