-- mart_distribution: how an indicator is spread across the communes of each group (the EPCI, each
-- bassin, each zone): the equity view, since an average alone never stands for the territory.
-- Grain: one row per group (niveau, code) × indicateur × annee × ventilation.
-- Units: minimum … maximum in the indicator's unit; rapport_max_min without unit (null when min <= 0);
-- n_secret = communes whose value is withheld, n_manquantes = communes without a value.
with groupes as (
    select * from int_groupes where niveau <> 'commune'
),

communes as (
    select * from mart_valeurs where niveau = 'commune'
),

final as (
    select
        g.niveau,
        g.code,
        c.indicateur,
        c.annee,
        c.ventilation,
        any_value(g.n_membres) as n_communes,
        count(c.valeur) as n_valeurs,
        count(*) filter (where c.secret) as n_secret,
        any_value(g.n_membres) - count(c.valeur) - count(*) filter (where c.secret) as n_manquantes,
        min(c.valeur) as minimum,
        quantile_cont(c.valeur, 0.25) as q1,
        median(c.valeur) as mediane,
        quantile_cont(c.valeur, 0.75) as q3,
        max(c.valeur) as maximum,
        case when min(c.valeur) > 0 then max(c.valeur) / min(c.valeur) end as rapport_max_min,
        -- ties go to the first name in alphabetical order, so that the same data always name the same commune
        arg_min(c.nom, {'v': c.valeur, 'n': c.nom}) filter (where c.valeur is not null) as commune_min,
        arg_min(c.nom, {'v': -c.valeur, 'n': c.nom}) filter (where c.valeur is not null) as commune_max,
        any_value(c.unite) as unite,
        any_value(c.sens) as sens
    from groupes as g
    inner join communes as c on c.code = g.commune
    group by all
)

select * from final
