{#
    Exact continuous percentiles (linear interpolation between the two nearest ranks, as numpy's
    default and SQL's percentile_cont). DuckDB's own spelling is quantile_cont.

    percentile_cont(column, fraction): one percentile.
    percentile_list(column, fractions): several percentiles of one column as a list, in the order
    given; DuckDB sorts each group once for the whole list instead of once per percentile.
    list_element(list, index): the 1-based element of such a list.
#}

{% macro percentile_cont(column, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'synmon')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(column, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}

{% macro duckdb__percentile_cont(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}


{% macro percentile_list(column, fractions) -%}
    {{ return(adapter.dispatch('percentile_list', 'synmon')(column, fractions)) }}
{%- endmacro %}

{% macro default__percentile_list(column, fractions) -%}
    array[
    {%- for fraction in fractions -%}
        {{ synmon.default__percentile_cont(column, fraction) }}{{ ", " if not loop.last }}
    {%- endfor -%}
    ]
{%- endmacro %}

{% macro duckdb__percentile_list(column, fractions) -%}
    quantile_cont({{ column }}, [{{ fractions | join(', ') }}])
{%- endmacro %}


{% macro list_element(list, index) -%}
    {{ return(adapter.dispatch('list_element', 'synmon')(list, index)) }}
{%- endmacro %}

{% macro default__list_element(list, index) -%}
    {{ list }}[{{ index }}]
{%- endmacro %}
