-- stg_appartenances: which zone of each zoning a commune belongs to.
-- Grain: one row per commune × zonage. Units: none (codes only).
with source as (
    select * from read_parquet('appartenances.parquet')
),

final as (
    select
        cast(commune as varchar) as commune,
        cast(zonage as varchar) as zonage,
        cast(zone as varchar) as zone
    from source
)

select * from final
