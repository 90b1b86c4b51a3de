{#-
    A model's rules in one test: `unique` (the key columns: fails on every key value that occurs
    more than once), `not_null` (columns that must never be null) and `between` ({column:
    [min_value, max_value]}: fails on every non-null value outside the range). It checks exactly
    what one unique_combination_of_columns (or unique), not_null or between test per rule would,
    in one query and one dbt node instead of one node each (about 0.1-0.3 s of dbt overhead per
    node; docs/warehouse.md "Speed").
    Fails with the sum of the rules' counts; the failing rows name each broken rule and its count,
    so `--store-failures` or the compiled query shows which rule broke. `unique(<columns>)` counts
    duplicated keys (key values held by more than one row, as the key tests did), not rows; a null
    is one key value as in `group by` (a single-column key is also in `not_null`).
-#}
{% test row_checks(model, unique=[], not_null=[], between={}) %}
{{ config(fail_calc='coalesce(sum(failing_rows), 0)') }}

{%- set rules = [] %}
{%- if unique %}
    {%- do rules.append((
        'unique(' ~ unique | join(', ') ~ ')',
        '(select 1 from ' ~ model ~ ' group by ' ~ unique | join(', ')
            ~ ' having count(*) > 1) duplicated_keys',
        none,
    )) %}
{%- endif %}
{%- for column in not_null %}
    {%- do rules.append(('not_null(' ~ column ~ ')', model, column ~ ' is null')) %}
{%- endfor %}
{%- for column, bounds in between.items() %}
    {%- do rules.append((
        'between(' ~ column ~ ', ' ~ bounds[0] ~ ', ' ~ bounds[1] ~ ')',
        model,
        column ~ ' < ' ~ bounds[0] ~ ' or ' ~ column ~ ' > ' ~ bounds[1],
    )) %}
{%- endfor %}

{#- One filtered count per rule, not one pass with a sum per rule: a filter lets DuckDB skip the
    Parquet row groups (and table blocks) whose statistics rule the rule out, as the separate tests
    did; a full pass over a 10M-row view cost 1.5 s. #}
with

rules as (
{%- for name, relation, broken in rules %}
    select '{{ name }}' as rule, count(*) as failing_rows from {{ relation }}
    {%- if broken %} where {{ broken }}{% endif %}
    {{- " union all" if not loop.last }}
{%- endfor %}
)

select * from rules
where failing_rows > 0

{% endtest %}
