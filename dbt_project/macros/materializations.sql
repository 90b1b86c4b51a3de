{#
    Table and view materializations for DuckDB in one statement, and the incremental one in one
    statement batch (below) (docs/warehouse.md "Speed").

    dbt-duckdb's `table` (and dbt's default `view`) build under a temporary name, then rename the
    old relation to a backup, rename the new one into place and drop the backup: four statements,
    each a dbt macro call with its own runtime context and events, on every build of every table
    and view. DuckDB's `create or replace` does the same in one statement, inside the model's
    transaction: other connections see the old relation until the commit and the new one after it,
    and a failed build rolls back to the old relation. Views bind by name in DuckDB, so views over
    a replaced relation keep working, as they do after dbt-duckdb's rename.

    Left out, because this project uses none of them (a model asking for one fails loudly instead
    of being built without it): Python models, enforced contracts, indexes, partitioning. Grants
    do not exist in DuckDB; persist_docs is kept.
#}

{% macro synmon_require_sql(kind) -%}
    {%- if model['language'] != 'sql' or config.get('contract').enforced -%}
        {{ exceptions.raise_compiler_error(
            model.unique_id ~ ": synmon's " ~ kind ~ " materialization builds SQL models"
            ~ " without enforced contracts (macros/materializations.sql)") }}
    {%- endif -%}
{%- endmacro %}


{#- The end every materialization here shares: post-hooks, docs, the commit. -#}
{% macro synmon_commit(target_relation) -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    -- `COMMIT` happens here
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmacro %}


{% macro synmon_replace_relation(relation_type) -%}
    {%- do synmon_require_sql(relation_type) -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type=relation_type) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- A view cannot be replaced by a table (nor the reverse): drop it in the same transaction. -#}
    {%- if existing_relation is not none and existing_relation.type != relation_type %}
        {% do adapter.drop_relation(existing_relation) %}
    {%- endif %}

    {% call statement('main') -%}
        create or replace {{ relation_type }} {{ target_relation }} as (
            {{ compiled_code }}
        );
    {%- endcall %}

    {{ return(synmon_commit(target_relation)) }}
{%- endmacro %}


{% materialization table, adapter='duckdb' %}
    {{ return(synmon_replace_relation('table')) }}
{% endmaterialization %}


{% materialization view, adapter='duckdb' %}
    {{ return(synmon_replace_relation('view')) }}
{% endmaterialization %}


{#
    The incremental materialization for DuckDB, for this project's marts: `delete+insert` on one
    key column with on_schema_change='fail' (docs/warehouse.md "Speed"). dbt-duckdb's runs ~10
    statements and several layers of Jinja per build (relation lookups, two `describe`s turned
    into agate tables, the schema-change diff, the strategy dispatch). Here an incremental build
    is one statement batch inside the model's transaction: the model's rows into a temporary
    table, the schema check in SQL (DuckDB's `error()` fails the batch, and so the transaction,
    when a column's name or type differs), the delete of the keys it holds, the insert, the drop.
    A first build, a `--full-refresh` or a view under the name take the one-statement table path
    above. Anything else (another strategy, a composite key, another on_schema_change, Python,
    contracts) fails loudly.
#}

{% materialization incremental, adapter='duckdb' %}
    {%- set unique_key = config.get('unique_key') -%}
    {%- if config.get('incremental_strategy') != 'delete+insert' or unique_key is not string
        or config.get('on_schema_change') != 'fail' -%}
        {{ exceptions.raise_compiler_error(
            model.unique_id ~ ": synmon's incremental materialization builds delete+insert on one"
            ~ " unique_key column with on_schema_change='fail' (macros/materializations.sql)") }}
    {%- endif -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- if existing_relation is none or existing_relation.type != 'table' or should_full_refresh() -%}
        {{ return(synmon_replace_relation('table')) }}
    {%- endif -%}
    {%- do synmon_require_sql('incremental') -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set new_rows = adapter.quote(this.identifier ~ '__dbt_tmp') -%}
    {%- set columns = "select column_name, column_type from (describe %s)" -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% call statement('main') -%}
        create or replace temporary table {{ new_rows }} as (
            {{ compiled_code }}
        );
        select error(
            'on_schema_change=''fail'': {{ target_relation }} and its model differ in columns '
            || differences
        )
        from (
            select string_agg(column_name || ' ' || column_type, ', ' order by column_name)
                as differences
            from (
                (({{ columns % target_relation }}) except ({{ columns % new_rows }}))
                union all
                (({{ columns % new_rows }}) except ({{ columns % target_relation }}))
            ) as changed
        ) as diff
        where differences is not null;
        delete from {{ target_relation }}
        where {{ unique_key }} in (select {{ unique_key }} from {{ new_rows }});
        insert into {{ target_relation }} by name (select * from {{ new_rows }});
        drop table {{ new_rows }};
    {%- endcall %}

    {{ return(synmon_commit(target_relation)) }}
{%- endmaterialization %}
