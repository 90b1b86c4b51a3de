{#
    Classic (cumulative `le` bucket) histograms, the way Prometheus reads them.

    histogram_bound(le): a bucket's `le` label text ('0.25', '1e+06', '+Inf') as a double.
    labels_without_le(labels): the JSON label set of a bucket series without its `le`, i.e. the
      series the buckets belong to (DuckDB-only JSON, hence dispatched).
    counter_increase(value, previous_value): the increase between two samples of a counter with
      resets handled as Prometheus rate() does (and int_counter_rates): a drop is a restart, and
      the counter counted from zero since, so the increase is the new value itself.
    histogram_quantiles(relation, group_by, quantiles, bound, count): a select giving, per group,
      one column `p<NN>_est` per quantile, estimated exactly as PromQL histogram_quantile()
      (promql/quantile.go bucketQuantile) does from cumulative bucket counts.
#}

{% macro histogram_bound(le) -%}
    case
        when lower({{ le }}) in ('+inf', 'inf') then cast('Infinity' as double precision)
        when lower({{ le }}) = '-inf' then cast('-Infinity' as double precision)
        else cast({{ le }} as double precision)
    end
{%- endmacro %}


{% macro labels_without_le(labels) -%}
    {{ return(adapter.dispatch('labels_without_le', 'synmon')(labels)) }}
{%- endmacro %}

{% macro default__labels_without_le(labels) -%}
    {{ exceptions.raise_compiler_error(
        "labels_without_le: no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__labels_without_le(labels) -%}
    {#- RFC 7386 merge patch: a null member removes the key. -#}
    cast(json_merge_patch({{ labels }}, '{"le": null}') as varchar)
{%- endmacro %}


{% macro counter_increase(value, previous_value) -%}
    case
        when {{ value }} >= {{ previous_value }} then {{ value }} - {{ previous_value }}
        else {{ value }}
    end
{%- endmacro %}


{% macro columns_equal(left, right, columns) -%}
    {%- for column in columns -%}
        {{ left }}.{{ column }} = {{ right }}.{{ column }}{{ " and " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{% macro quantile_column(q) -%}
    {#- 0.5 -> p50_est, 0.999 -> p99_9_est: "est" so nobody takes them for exact percentiles. -#}
    p{{ ('%g' % (q * 100)) | replace('.', '_') }}_est
{%- endmacro %}


{% macro histogram_quantiles(relation, group_by, quantiles, bound='upper_bound', count='bucket_count') %}
{%- set keys = group_by | join(', ') -%}
{%- set infinity = "cast('Infinity' as double precision)" -%}

with

hq_coalesced as (
    -- Buckets with the same upper bound add up (coalesceBuckets).
    select
        {{ keys }},
        {{ bound }} as upper_bound,
        sum({{ count }}) as bucket_count
    from {{ relation }}
    group by {{ keys }}, {{ bound }}
),

hq_envelope as (
    -- A bucket never counts less than a lower one (ensureMonotonic: the running maximum).
    select
        {{ keys }},
        upper_bound,
        max(bucket_count) over (
            partition by {{ keys }} order by upper_bound
            rows between unbounded preceding and current row
        ) as cumulative,
        row_number() over (partition by {{ keys }} order by upper_bound) as bucket_index,
        count(*) over (partition by {{ keys }}) as buckets
    from hq_coalesced
),

hq_buckets as (
    select
        *,
        lag(upper_bound) over (partition by {{ keys }} order by upper_bound) as lower_bound,
        lag(cumulative) over (partition by {{ keys }} order by upper_bound) as lower_cumulative
    from hq_envelope
),

hq_series as (
    select
        {{ keys }},
        max(buckets) as buckets,
        max(upper_bound) as top_bound,
        max(cumulative) as observations,
        max(case when bucket_index = buckets - 1 then upper_bound end) as highest_finite_bound
    from hq_buckets
    group by {{ keys }}
),

hq_quantiles as (
    {%- for q in quantiles %}
    select {{ loop.index }} as quantile_index, cast({{ q }} as double precision) as quantile
    {{- " union all" if not loop.last }}
    {%- endfor %}
),

hq_ranks as (
    select
        hq_series.*,
        hq_quantiles.quantile_index,
        hq_quantiles.quantile * hq_series.observations as target_rank
    from hq_series
    cross join hq_quantiles
),

-- The first bucket below the top one whose count reaches the rank (sort.Search over n - 1
-- buckets); none means the rank lies in the +Inf bucket.
hq_found as (
    select
        {% for key in group_by %}hq_ranks.{{ key }}, {% endfor %}
        hq_ranks.quantile_index,
        min(hq_buckets.bucket_index) as found_index
    from hq_ranks
    left join hq_buckets
        on {{ synmon.columns_equal('hq_buckets', 'hq_ranks', group_by) }}
        and hq_buckets.bucket_index < hq_buckets.buckets
        and hq_buckets.cumulative >= hq_ranks.target_rank
    group by {% for key in group_by %}hq_ranks.{{ key }}, {% endfor %}hq_ranks.quantile_index
),

hq_estimates as (
    select
        {% for key in group_by %}hq_ranks.{{ key }}, {% endfor %}
        hq_ranks.quantile_index,
        case
            -- NaN in Prometheus: no +Inf bucket, fewer than two buckets, no observations.
            when hq_ranks.top_bound < {{ infinity }} then null
            when hq_ranks.buckets < 2 or hq_ranks.observations = 0 then null
            when hq_found.found_index is null then hq_ranks.highest_finite_bound
            when hq_found.found_index = 1 and hq_buckets.upper_bound <= 0
                then hq_buckets.upper_bound
            -- Linear inside the bucket; the lowest bucket starts at 0 when its bound is > 0.
            else coalesce(hq_buckets.lower_bound, 0)
                + (hq_buckets.upper_bound - coalesce(hq_buckets.lower_bound, 0))
                * (
                    (hq_ranks.target_rank - coalesce(hq_buckets.lower_cumulative, 0))
                    / (hq_buckets.cumulative - coalesce(hq_buckets.lower_cumulative, 0))
                )
        end as estimate
    from hq_ranks
    inner join hq_found
        on {{ synmon.columns_equal('hq_found', 'hq_ranks', group_by) }}
        and hq_found.quantile_index = hq_ranks.quantile_index
    left join hq_buckets
        on {{ synmon.columns_equal('hq_buckets', 'hq_ranks', group_by) }}
        and hq_buckets.bucket_index = hq_found.found_index
)

select
    {{ keys }},
    {%- for q in quantiles %}
    max(case when quantile_index = {{ loop.index }} then estimate end)
        as {{ synmon.quantile_column(q) }}{{ "," if not loop.last }}
    {%- endfor %}
from hq_estimates
group by {{ keys }}
{% endmacro %}
