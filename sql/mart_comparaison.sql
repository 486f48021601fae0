-- mart_comparaison: the latest value of each indicator at the comparison levels (the EPCI, its
-- département, its région and France), each with its own year.
-- Grain: one row per indicateur × ventilation × comparison level. Units: the indicator's unit.
with dernieres as (
    select * from mart_dernieres_valeurs
),

final as (
    select
        indicateur, ventilation, niveau, code, nom, annee, valeur, secret, source, methode, unite, decimales,
        case niveau when 'epci' then 1 when 'departement' then 2 when 'region' then 3 else 4 end as ordre
    from dernieres
    where niveau in ('epci', 'departement', 'region', 'france')
)

select * from final
