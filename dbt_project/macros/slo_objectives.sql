{#
    The SLOs of config/slos.yaml as a relation, flattened by synmon/warehouse.py `load_slos()`:
    from the var `slos` when given (unit tests, `--vars`), else from the JSON in the environment
    variable SYNMON_SLOS (orchestration/dbt.py `dbt_env()` sets it). Columns: component ('*' for every component), slo, kind, objective, threshold_ms,
    window_days. An empty list gives an empty relation with those columns.
#}

{% macro slo_objectives() -%}
    {%- set slos = var('slos', none) -%}
    {%- if slos is none -%}
        {%- set slos = fromjson(env_var('SYNMON_SLOS', '[]')) -%}
    {%- endif -%}
    {%- if slos | length == 0 -%}
        select
            cast(null as {{ dbt.type_string() }}) as component,
            cast(null as {{ dbt.type_string() }}) as slo,
            cast(null as {{ dbt.type_string() }}) as kind,
            cast(null as double precision) as objective,
            cast(null as double precision) as threshold_ms,
            cast(null as integer) as window_days
        where 1 = 0
    {%- else -%}
        {%- for s in slos %}
        select
            '{{ s.component }}' as component,
            '{{ s.slo }}' as slo,
            '{{ s.kind }}' as kind,
            cast({{ s.objective }} as double precision) as objective,
            cast({{ 'null' if s.threshold_ms is none else s.threshold_ms }} as double precision)
                as threshold_ms,
            cast({{ s.window_days }} as integer) as window_days
        {{ "union all" if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
