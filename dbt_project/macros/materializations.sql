{#
    Table and view materializations for DuckDB in one statement (docs/warehouse.md "Speed").

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

{% macro synmon_replace_relation(relation_type) -%}
    {%- if model['language'] != 'sql' or config.get('contract').enforced -%}
        {{ exceptions.raise_compiler_error(
            model.unique_id ~ ": synmon's " ~ relation_type ~ " materialization builds SQL models"
            ~ " without enforced contracts (macros/materializations.sql)") }}
    {%- endif -%}
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

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    -- `COMMIT` happens here
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{%- endmacro %}


{% materialization table, adapter='duckdb' %}
    {{ return(synmon_replace_relation('table')) }}
{% endmaterialization %}


{% materialization view, adapter='duckdb' %}
    {{ return(synmon_replace_relation('view')) }}
{% endmaterialization %}
