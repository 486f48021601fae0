-- int_calculees: values computed from the communes' counts for every group of communes, following the
-- catalogue's rule (agregation): somme, ratio = sum(numerateur) / sum(denominateur) × facteur (never a
-- mean of commune rates), moyenne_ponderee = sum(valeur × poids) / sum(poids), evolution =
-- (sum at annee / sum at annee_reference − 1) × 100; a rate of another level from the counts its producer
-- gives for that level (ratio_effectifs_publies). A group value exists only when every member commune
-- has its values (or, for agregation_partielle, at least one). Medians and poverty rates (agregation
-- aucune) are never computed here.
-- Grain: one row per group (niveau, code) × indicateur × annee × ventilation.
-- Units: the unit of the indicator; n_communes / n_communes_renseignees describe completeness.
with indicateurs as (
    select * from stg_indicateurs
),

sommes as (
    select * from int_sommes
),

complete as (
    select s.*, i.agregation_partielle
    from sommes as s
    inner join indicateurs as i using (indicateur)
    where s.n_renseignees = s.n_membres or (i.agregation_partielle and s.n_renseignees > 0)
),

somme as (
    select
        s.indicateur, s.niveau, s.code, s.annee, s.periode, s.ventilation,
        s.somme as valeur,
        false as secret,
        s.source,
        s.n_membres as n_communes,
        s.n_renseignees as n_communes_renseignees
    from complete as s
    inner join indicateurs as i using (indicateur)
    where i.agregation = 'somme'
),

secrets as (
    -- a single commune whose value is withheld: the secret is shown as such
    select
        s.indicateur, s.niveau, s.code, s.annee, s.periode, s.ventilation,
        null::double as valeur,
        true as secret,
        s.source,
        s.n_membres as n_communes,
        0::bigint as n_communes_renseignees
    from sommes as s
    inner join indicateurs as i using (indicateur)
    where i.agregation = 'somme' and s.n_secret > 0 and s.n_renseignees < s.n_membres
      and not (i.agregation_partielle and s.n_renseignees > 0)
),

ratio as (
    select
        i.indicateur, n.niveau, n.code, n.annee, n.periode, n.ventilation,
        case when d.somme <> 0 then n.somme / d.somme * i.facteur end as valeur,
        false as secret,
        n.source,
        n.n_membres as n_communes,
        least(n.n_renseignees, d.n_renseignees) as n_communes_renseignees
    from indicateurs as i
    inner join complete as n on n.indicateur = i.numerateur
    inner join complete as d
        on d.indicateur = i.denominateur
        and d.niveau = n.niveau and d.code = n.code and d.annee = n.annee
        -- a breakdown of the numerator (age group…) over the denominator's own breakdown, or its total
        and (d.ventilation = n.ventilation or d.ventilation = '')
    where i.agregation = 'ratio'
    qualify row_number() over (
        partition by i.indicateur, n.niveau, n.code, n.annee, n.ventilation
        order by (d.ventilation = n.ventilation) desc
    ) = 1
),

ratio_effectifs_publies as (
    -- a rate of a level that is no group of followed communes (the Nord) whose counts the producer's file gives
    -- (registered voters and voters of the Nord's 648 communes): the ratio of those counts, computed here and
    -- said so (methode calculee), never stored as if published
    select
        i.indicateur, n.niveau, n.code, n.annee, n.periode, n.ventilation,
        case when d.valeur <> 0 then n.valeur / d.valeur * i.facteur end as valeur,
        false as secret,
        n.source,
        null::bigint as n_communes,
        null::bigint as n_communes_renseignees
    from indicateurs as i
    inner join stg_valeurs as n on n.indicateur = i.numerateur and n.niveau <> 'commune' and not n.secret
    inner join stg_valeurs as d
        on d.indicateur = i.denominateur and d.niveau = n.niveau and d.code = n.code and d.annee = n.annee
        and d.ventilation = n.ventilation and not d.secret
    where i.agregation = 'ratio'
      and not exists (select 1 from int_groupes as g where g.niveau = n.niveau and g.code = n.code)
),

ponderees as (
    select
        i.indicateur, g.niveau, g.code, v.annee, v.ventilation,
        fsum(v.valeur * w.valeur order by v.code, v.valeur, w.valeur) as somme_ponderee,  -- fixed order
        fsum(w.valeur order by v.code, v.valeur, w.valeur) as somme_poids,
        count(v.valeur * w.valeur) as n_renseignees,
        any_value(g.n_membres) as n_membres,
        any_value(v.source) as source,
        any_value(v.periode) as periode
    from indicateurs as i
    inner join stg_valeurs as v on v.indicateur = i.indicateur and v.niveau = 'commune'
    inner join stg_valeurs as w
        on w.indicateur = i.poids and w.niveau = 'commune' and w.code = v.code and w.annee = v.annee
    inner join int_groupes as g on g.commune = v.code
    where i.agregation = 'moyenne_ponderee'
    group by all
),

moyenne_ponderee as (
    select
        indicateur, niveau, code, annee, periode, ventilation,
        case when somme_poids > 0 then somme_ponderee / somme_poids end as valeur,
        false as secret,
        source,
        n_membres as n_communes,
        n_renseignees as n_communes_renseignees
    from ponderees
    where n_renseignees = n_membres
),

evolution as (
    select
        i.indicateur, a.niveau, a.code, a.annee,
        cast(r.annee as varchar) || '-' || cast(a.annee as varchar) as periode,
        a.ventilation,
        case when r.somme > 0 then (a.somme / r.somme - 1) * 100 end as valeur,
        false as secret,
        a.source,
        a.n_membres as n_communes,
        least(a.n_renseignees, r.n_renseignees) as n_communes_renseignees
    from indicateurs as i
    inner join complete as a on a.indicateur = i.numerateur and a.annee > i.annee_reference
    inner join complete as r
        on r.indicateur = i.numerateur and r.annee = i.annee_reference
        and r.niveau = a.niveau and r.code = a.code and r.ventilation = a.ventilation
    where i.agregation = 'evolution'
),

final as (
    select * from somme
    union all select * from secrets
    union all select * from ratio
    union all select * from ratio_effectifs_publies
    union all select * from moyenne_ponderee
    union all select * from evolution
)

select * from final
