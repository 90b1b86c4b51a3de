{#
    Data tests on the request models check the days a build refreshes (docs/warehouse.md).

    A test configured with `where: "__refreshed_days__(<column>)"` reads only the rows whose
    <column> (a timestamp or date) falls on the days whose lake files changed since that test last
    passed, plus the lookback days and the var `dates`: the same day set the incremental marts
    rebuild. Each test keeps its own state in _incremental_state under its unique_id, recorded by
    `on-run-end` only when it passed, so a failing day is checked again by every build until it
    passes. `dbt test`, `dbt build --full-refresh` and a test without recorded state check every
    day.
#}

{% macro default__get_where_subquery(relation) -%}
    {#- dbt's own (dbt/include/global_project/macros/materializations/tests/where_subquery.sql),
        plus the `__refreshed_days__(<column>)` placeholder. -#}
    {%- set where = config.get('where') or '' -%}
    {%- if where.startswith('__refreshed_days__(') -%}
        {%- set column = where.split('(', 1)[1].rstrip(') ') -%}
        {%- set where = synmon.days_filter(synmon.refreshed_days(model.unique_id), column) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro refreshed_days(test_id) -%}
    {#- The days a data test checks ('YYYY-MM-DD' strings), or none for every day. -#}
    {%- if not execute or flags.WHICH != 'build' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set recorded = run_query(
        "select count(*) from _incremental_state where model = '" ~ test_id ~ "'"
    ).columns[0].values()[0] -%}
    {%- set everything = flags.FULL_REFRESH or recorded == 0 -%}
    {{ return(synmon.changed_days(test_id, synmon.lake_fingerprints('requests'), everything)) }}
{%- endmacro %}


{% macro record_checked_days(results) -%}
    {#- on-run-end: the listing each passing day-limited test took becomes its recorded state; a
        test that failed, errored or was skipped keeps its old state and rechecks those days. -#}
    {%- set passed = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'test' and result.status == 'pass' -%}
            {%- do passed.append("'" ~ result.node.unique_id ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if passed -%}
        delete from _incremental_state where model in ({{ passed | join(', ') }})
            and model in (select model from _incremental_pending);
        insert into _incremental_state
        select model, day, fingerprint from _incremental_pending
        where model in ({{ passed | join(', ') }});
    {%- endif %}
    delete from _incremental_pending where model like 'test.%'
{%- endmacro %}
