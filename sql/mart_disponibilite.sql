-- mart_disponibilite: which years hold values of each indicator at each level, within the territories
-- the barometer follows (int_perimetre): what the pickers offer and what empty states explain.
-- Grain: one row per indicateur × niveau × annee × ventilation.
-- Units: counts of territories (n_lignes = rows, n_valeurs = with a value, n_secret = withheld).
with valeurs as (
    select v.indicateur, v.niveau, v.annee, v.ventilation, v.valeur, v.secret
    from mart_valeurs as v
    semi join int_perimetre as p on p.niveau = v.niveau and p.code = v.code
),

final as (
    select
        indicateur,
        niveau,
        annee,
        ventilation,
        count(*) as n_lignes,
        count(valeur) as n_valeurs,
        count(*) filter (where secret) as n_secret
    from valeurs
    group by all
)

select * from final
