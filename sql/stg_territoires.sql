-- stg_territoires: every territory the barometer shows.
-- Grain: one row per territory (niveau, code); niveau is commune, epci, a zoning id (bv2022, canton,
-- ze2020, or a zoning of the agglomeration), bv2022_insee (whole INSEE bassin), departement, region, france.
-- Units: n_communes = communes of the EPCI in the territory; n_communes_zone = communes of the whole zone.
with source as (
    select * from read_parquet('territoires.parquet')
),

final as (
    select
        cast(niveau as varchar) as niveau,
        cast(code as varchar) as code,
        cast(nom as varchar) as nom,
        cast(n_communes as integer) as n_communes,
        cast(n_communes_zone as integer) as n_communes_zone,
        coalesce(perimetre, '') as perimetre
    from source
)

select * from final
