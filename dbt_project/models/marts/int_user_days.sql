{{ config(materialized='table') }}

with

requests as (
    select * from {{ ref('fct_requests') }}
),

final as (
    select distinct
        user_id,
        day
    from requests
    where user_id is not null
)

select * from final
