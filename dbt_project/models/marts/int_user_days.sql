{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='day',
    on_schema_change='fail',
    post_hook="{{ synmon.incremental_record_state() }}",
) }}

{%- set days = synmon.incremental_days(synmon.lake_fingerprints('requests')) %}

with

requests as (
    select * from {{ ref('fct_requests') }}
    where {{ synmon.days_filter(days) }}
),

final as (
    select distinct
        user_id,
        day
    from requests
    where user_id is not null
)

select * from final
