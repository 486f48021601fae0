-- stg_geometries: simplified outlines (GeoJSON, WGS84) and a label point of each drawn territory.
-- Grain: one row per territory (niveau, code). Units: lon/lat in decimal degrees (WGS84).
with source as (
    select * from read_parquet('geometries.parquet')
),

final as (
    select
        cast(niveau as varchar) as niveau,
        cast(code as varchar) as code,
        cast(geojson as varchar) as geojson,
        cast(lon as double) as lon,
        cast(lat as double) as lat
    from source
)

select * from final
