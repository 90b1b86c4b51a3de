{#
    Reading the lake. A lake may hold only some datasets (a test lake with requests only, a platform
    without Prometheus): DuckDB's read_parquet fails on a glob that matches nothing, so a dataset
    without files reads as an empty relation with the columns its source declares.
#}

{% macro lake_glob(table_name) -%}
    {#- Must agree with the source's external_location in models/staging/_lake__sources.yml. -#}
    {{ env_var('SYNMON_LAKE') }}/{{ table_name }}/date=*/*.parquet
{%- endmacro %}


{% macro lake_file_day(path_column) -%}
    {#- The date partition a lake file path names (`.../date=YYYY-MM-DD/...`), as a DATE. -#}
    cast(regexp_extract({{ path_column }}, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1) as date)
{%- endmacro %}


{% macro lake_source(table_name) -%}
    {%- set relation = source('lake', table_name) -%}
    {%- if execute and not synmon.lake_has_files(table_name) -%}
        {%- set node = graph.sources['source.synmon.lake.' ~ table_name] -%}
        (
            select
            {%- for column in node.columns.values() %}
                cast(null as {{ column.data_type }}) as {{ column.name }}{{ "," if not loop.last }}
            {%- endfor %}
            where 1 = 0
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}


{% macro lake_has_files(table_name) -%}
    {{ return(adapter.dispatch('lake_has_files', 'synmon')(table_name)) }}
{%- endmacro %}

{% macro default__lake_has_files(table_name) -%}
    {#- Engines reading the lake from object storage see every dataset the catalog declares. -#}
    {{ return(true) }}
{%- endmacro %}

{% macro duckdb__lake_has_files(table_name) -%}
    {%- set found = run_query("select count(*) from glob('" ~ synmon.lake_glob(table_name) ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}
