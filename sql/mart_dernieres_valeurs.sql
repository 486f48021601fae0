-- mart_dernieres_valeurs: the latest value of each indicator for each territory, with the previous
-- vintage and the change between them.
-- Grain: one row per indicateur × territory (niveau, code) × ventilation.
-- Units: valeur and valeur_precedente in the indicator's unit; evolution in the same unit (difference),
-- evolution_pct in % of the previous value (null for rates and percentages, where points are read).
-- Like for like: totals over periods of different lengths (land take over 2011-2020, then 2021-2023) are
-- not two vintages of one series: no previous vintage, no change, between them.
with valeurs as (
    select * from mart_valeurs where valeur is not null or secret
),

ranked as (
    select
        *,
        lead(periode) over (partition by indicateur, niveau, code, ventilation order by annee desc)
            as periode_precedente,
        row_number() over (partition by indicateur, niveau, code, ventilation order by annee desc) as rang,
        lead(annee) over (partition by indicateur, niveau, code, ventilation order by annee desc)
            as annee_precedente,
        lead(valeur) over (partition by indicateur, niveau, code, ventilation order by annee desc)
            as valeur_precedente
    from valeurs
),

comparable as (
    select
        *,
        not (regexp_full_match(coalesce(periode, ''), '\d{4}-\d{4}')
             and regexp_full_match(coalesce(periode_precedente, ''), '\d{4}-\d{4}')
             and try_cast(substr(periode, 6, 4) as integer) - try_cast(substr(periode, 1, 4) as integer)
                 <> try_cast(substr(periode_precedente, 6, 4) as integer)
                    - try_cast(substr(periode_precedente, 1, 4) as integer)) as meme_duree
    from ranked
),

final as (
    select
        indicateur, niveau, code, nom, annee, periode, ventilation, valeur, secret, statut, source, methode,
        n_communes, n_communes_renseignees, libelle, unite, sens, volet, theme, decimales,
        case when meme_duree then annee_precedente end as annee_precedente,
        case when meme_duree then valeur_precedente end as valeur_precedente,
        case when meme_duree then valeur - valeur_precedente end as evolution,
        case when meme_duree and unite <> '%' and valeur_precedente <> 0
            then (valeur / valeur_precedente - 1) * 100 end as evolution_pct
    from comparable
    where rang = 1
)

select * from final
