{{ config(materialized='view') }}

with

requests as (
    select * from {{ ref('stg_lake__requests') }}
),

final as (
    select
        request_id,
        ts,
        day,
        trace_id,
        component,
        endpoint,
        method,
        domain,
        user_id,
        host,
        status,
        is_server_error,
        is_client_error,
        latency_ms,
        tokens_in,
        tokens_out,
        tokens_in + tokens_out as tokens,
        cost_usd,
        source_file,
        source_line
    from requests
)

select * from final
