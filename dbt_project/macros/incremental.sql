{#
    Incremental marts over a lake that receives late data (docs/warehouse.md).

    Each incremental model rebuilds whole UTC days with `delete+insert` keyed by its day or window
    column. Which days: those whose input changed since the model's last build, plus the var
    `dates` (a list of 'YYYY-MM-DD', e.g. from Dagster), plus the `lookback_days` days before the
    newest day (late data the fingerprints cannot see, such as a file rewritten in place within
    the same millisecond). The input is the lake: a day's fingerprint is the md5 of its Parquet
    files' names, sizes and modification times (ingest writes late records into their day's folder
    as a new file, and compaction replaces files, so either changes the fingerprint). Each model
    reads the lake itself through the fct_requests view, so each snapshots the lake itself.

    State lives in two tables beside the marts (schema main), not dbt models:
    _incremental_state (model, day, fingerprint): what each model has built;
    _incremental_pending (model, day, fingerprint): the input snapshot taken before the model read
    its input, promoted to _incremental_state by the model's post-hook in the same transaction as
    its rows, so a file landing while dbt runs is seen as new by the next build, never lost.
#}

{% macro incremental_days(input_fingerprints) -%}
    {#- The days to rebuild ('YYYY-MM-DD' strings), or none to build the whole model.
        input_fingerprints: SQL giving (day, fingerprint) per day of the model's input. -#}
    {%- if not execute or this is none or flags.WHICH not in ('run', 'build') -%}
        {#- compile, docs generate, unit tests: show the full build, touch nothing. -#}
        {{ return(none) }}
    {%- endif -%}
    {{ return(synmon.changed_days(this.identifier, input_fingerprints, not is_incremental())) }}
{%- endmacro %}


{% macro changed_days(key, input_fingerprints, everything) -%}
    {#- Snapshots the input listing into _incremental_pending under `key`, then returns the days
        whose fingerprint differs from what `key` last recorded in _incremental_state, the
        lookback days and the var `dates`; none (every day) when `everything`. -#}
    {%- do run_query(
        "delete from _incremental_pending where model = '" ~ key ~ "';"
        ~ " insert into _incremental_pending select '" ~ key ~ "', day, fingerprint"
        ~ " from (" ~ input_fingerprints ~ ") as input where day is not null"
    ) -%}
    {%- if everything -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set current = "select day, fingerprint from _incremental_pending where model = '"
        ~ key ~ "'" -%}
    {%- set forced = var('dates', []) -%}
    {%- if forced is string -%}
        {%- set forced = forced.split(',') -%}
    {%- endif -%}
    {%- set days_sql -%}
        with current_input as ({{ current }}),
        changed as (
            select day from current_input
            where not exists (
                select 1 from _incremental_state as built
                where built.model = '{{ key }}'
                    and built.day = current_input.day
                    and built.fingerprint = current_input.fingerprint
            )
        ),
        recent as (
            select day from current_input
            where day >= (select max(day) from current_input) - {{ var('lookback_days', 2) }}
        )
        select cast(day as varchar) from changed
        union select cast(day as varchar) from recent
        {%- for day in forced %}
        union select cast(cast('{{ day | trim }}' as date) as varchar)
        {%- endfor %}
        order by 1
    {%- endset -%}
    {{ return(run_query(days_sql).columns[0].values() | list) }}
{%- endmacro %}


{% macro fingerprints_with(input_fingerprints, extra) -%}
    {#- input_fingerprints with `extra` (text, e.g. the SQL of a model's configuration) folded into
        every day's fingerprint, so a change to it rebuilds every day. -#}
    select day, md5(fingerprint || '{{ local_md5(extra) }}') as fingerprint
    from ({{ input_fingerprints }}) as input
{%- endmacro %}


{% macro incremental_state_ddl() -%}
    {#- on-run-start (dbt_project.yml): once, before models run in parallel threads. -#}
    create table if not exists _incremental_state (model varchar, day date, fingerprint varchar);
    create table if not exists _incremental_pending (model varchar, day date, fingerprint varchar)
{%- endmacro %}


{% macro incremental_record_state() -%}
    {#- Post-hook: the input snapshot taken by incremental_days() becomes the built state. -#}
    delete from _incremental_state where model = '{{ this.identifier }}';
    insert into _incremental_state
    select model, day, fingerprint from _incremental_pending where model = '{{ this.identifier }}';
    delete from _incremental_pending where model = '{{ this.identifier }}'
{%- endmacro %}


{% macro days_filter(days, ts_column='ts') -%}
    {#- A predicate keeping the rows of `days` (none: every row), as half-open ts ranges so the
        engine can skip Parquet row groups and table blocks by their min/max statistics. -#}
    {%- if days is none -%}
        1 = 1
    {%- elif days | length == 0 -%}
        1 = 0
    {%- else -%}
        {%- set one_day = modules.datetime.timedelta(days=1) -%}
        {%- set ranges = [] -%}
        {%- for text in days -%}
            {%- set day = modules.datetime.date.fromisoformat(text) -%}
            {%- if ranges and ranges[-1][1] == day -%}
                {%- do ranges[-1].pop() -%}
                {%- do ranges[-1].append(day + one_day) -%}
            {%- else -%}
                {%- do ranges.append([day, day + one_day]) -%}
            {%- endif -%}
        {%- endfor -%}
        (
        {%- for start, stop in ranges %}
            ({{ ts_column }} >= cast('{{ start }}' as timestamp)
                and {{ ts_column }} < cast('{{ stop }}' as timestamp)){{ " or" if not loop.last }}
        {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}


{% macro lake_fingerprints(dataset) -%}
    {{ return(adapter.dispatch('lake_fingerprints', 'synmon')(dataset)) }}
{%- endmacro %}

{% macro default__lake_fingerprints(dataset) -%}
    {#- Without a file listing every day looks new: the model rebuilds whole. -#}
    select cast(null as date) as day, cast(null as {{ dbt.type_string() }}) as fingerprint
    where 1 = 0
{%- endmacro %}

{% macro duckdb__lake_fingerprints(dataset) -%}
    {%- if execute and synmon.lake_has_files(dataset) -%}
        {#- read_blob lists the files without reading them when `content` is not selected. -#}
        select
            {{ synmon.lake_file_day('filename') }} as day,
            md5(string_agg(
                filename || ':' || size || ':' || epoch_ms(last_modified), ',' order by filename
            )) as fingerprint
        from read_blob('{{ synmon.lake_glob(dataset) }}')
        group by 1
    {%- else -%}
        {{ synmon.default__lake_fingerprints(dataset) }}
    {%- endif -%}
{%- endmacro %}
