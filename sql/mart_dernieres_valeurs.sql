-- mart_dernieres_valeurs: the latest value of each indicator for each territory, with the previous
-- vintage and the change between them.
-- Grain: one row per indicateur × territory (niveau, code) × ventilation.
-- Units: valeur and valeur_precedente in the indicator's unit; evolution in the same unit (difference),
-- evolution_pct in % of the previous value (null for rates and percentages, where points are read).
with valeurs as (
    select * from mart_valeurs where valeur is not null or secret
),

ranked as (
    select
        *,
        row_number() over (partition by indicateur, niveau, code, ventilation order by annee desc) as rang,
        lead(annee) over (partition by indicateur, niveau, code, ventilation order by annee desc)
            as annee_precedente,
        lead(valeur) over (partition by indicateur, niveau, code, ventilation order by annee desc)
            as valeur_precedente
    from valeurs
),

final as (
    select
        indicateur, niveau, code, nom, annee, periode, ventilation, valeur, secret, statut, source, methode,
        n_communes, n_communes_renseignees, libelle, unite, sens, volet, theme, decimales,
        annee_precedente,
        valeur_precedente,
        valeur - valeur_precedente as evolution,
        case when unite <> '%' and valeur_precedente <> 0
            then (valeur / valeur_precedente - 1) * 100 end as evolution_pct
    from ranked
    where rang = 1
)

select * from final
