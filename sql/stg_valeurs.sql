-- stg_valeurs: the current version of the stored values (table valeurs_stockees, registered by connect():
-- the value store's latest snapshot, or the parquet files of `barometre build` before the first load).
-- Grain: one row per indicateur × territory (niveau, code) × annee × ventilation.
-- Units: valeur is in the unit of the indicator in the catalogue; null when the source gives nothing;
-- secret = true where the producer withholds the value (statistical secrecy), never a zero.
with source as (
    select * from valeurs_stockees
),

final as (
    select
        cast(indicateur as varchar) as indicateur,
        cast(niveau as varchar) as niveau,
        cast(code as varchar) as code,
        cast(annee as integer) as annee,
        coalesce(periode, '') as periode,
        coalesce(ventilation, '') as ventilation,
        cast(valeur as double) as valeur,
        coalesce(secret, false) as secret,
        coalesce(statut, 'definitif') as statut,
        cast(source as varchar) as source
    from source
)

select * from final
