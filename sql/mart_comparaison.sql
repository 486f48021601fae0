-- mart_comparaison: the latest value of each indicator at the comparison levels the barometer is
-- configured for (its EPCI, département and région in territoire.toml, and France), each with its own
-- year. Other EPCIs, départements or régions a data file may hold are never comparison levels.
-- Grain: one row per indicateur × ventilation × comparison level. Units: the indicator's unit.
with dernieres as (
    select * from mart_dernieres_valeurs
),

niveaux as (
    select * from int_perimetre where ordre is not null
),

final as (
    select
        d.indicateur, d.ventilation, d.niveau, d.code, d.nom, d.annee, d.periode, d.valeur, d.secret, d.source,
        d.methode, d.unite, d.decimales, n.ordre
    from dernieres as d
    inner join niveaux as n on n.niveau = d.niveau and n.code = d.code
)

select * from final
