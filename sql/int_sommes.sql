-- int_sommes: stored commune values summed over every group of communes (int_groupes).
-- Grain: one row per group (niveau, code) × indicateur × annee × ventilation.
-- Units: somme in the unit of the indicator; n_renseignees = members with a value; n_secret = members
-- whose value is withheld; n_membres = communes of the group (a commune with no row counts as missing).
with valeurs as (
    select * from stg_valeurs where niveau = 'commune'
),

groupes as (
    select * from int_groupes
),

final as (
    select
        g.niveau,
        g.code,
        v.indicateur,
        v.annee,
        v.ventilation,
        fsum(v.valeur order by v.code, v.valeur) as somme,  -- a fixed order: the same bits on every run
        count(v.valeur) as n_renseignees,
        count(*) filter (where v.secret) as n_secret,
        any_value(g.n_membres) as n_membres,
        any_value(v.source) as source,
        any_value(v.periode) as periode
    from groupes as g
    inner join valeurs as v on v.code = g.commune
    group by all
)

select * from final
