{#
    time_window(ts, minutes): start of the `minutes`-long window holding the timestamp `ts`,
    windows aligned to the hour (minutes must divide 60) and to midnight.
#}

{% macro time_window(ts, minutes) -%}
    {{ return(adapter.dispatch('time_window', 'synmon')(ts, minutes)) }}
{%- endmacro %}

{% macro default__time_window(ts, minutes) -%}
    {%- if minutes == 1 -%}
        {{ dbt.date_trunc('minute', ts) }}
    {%- else -%}
        {{ dbt.dateadd(
            'minute',
            'cast(floor(extract(minute from ' ~ ts ~ ') / ' ~ minutes ~ ') * ' ~ minutes ~ ' as integer)',
            dbt.date_trunc('hour', ts),
        ) }}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__time_window(ts, minutes) -%}
    {%- if minutes == 1 -%}
        date_trunc('minute', {{ ts }})
    {%- else -%}
        time_bucket(interval '{{ minutes }} minutes', {{ ts }})
    {%- endif -%}
{%- endmacro %}
