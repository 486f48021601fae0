-- stg_indicateurs: the indicator catalogue (data/catalogue/indicateurs.toml, validated by pydantic and
-- registered by the connection as the table catalogue_indicateurs).
-- Grain: one row per indicator. Units: `unite` is the unit of every value of the indicator;
-- `facteur` multiplies numerateur / denominateur for ratios (100 for a percentage).
with source as (
    select * from catalogue_indicateurs
),

final as (
    select
        id as indicateur,
        libelle,
        libelle_court,
        volet,
        theme,
        unite,
        sens,
        type,
        agregation,
        numerateur,
        denominateur,
        cast(facteur as double) as facteur,
        poids,
        cast(annee_reference as integer) as annee_reference,
        agregation_partielle,
        source,
        millesime,
        cast(decimales as integer) as decimales,
        cle,
        peut_depasser_100,
        grandeur  -- « total » (grows with the territory's size) or « taux » (comparable across scales)
    from source
)

select * from final
