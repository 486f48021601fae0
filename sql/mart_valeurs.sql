-- mart_valeurs: every value the barometer shows, with its territory, metadata and provenance.
-- Published values (any level, and commune values of non-additive indicators such as medians) come
-- first; values computed from the communes' counts fill the other groups (communes, EPCI, zones). Only the
-- followed territories (int_perimetre): a file published for all of France is read, not carried along.
-- Grain: one row per indicateur × territory (niveau, code) × annee × ventilation.
-- Units: valeur in `unite`; methode = publiee (as the producer gives it, a commune's own count
-- included), tiers (computed by the third party the source names, catalogue_sources.calcule_par) or
-- calculee (computed by the barometer: from the communes' counts, or by its own calculation such as IDH-4).
with indicateurs as (
    select * from stg_indicateurs
),

sources as (
    select * from catalogue_sources
),

publiees as (
    select
        v.indicateur, v.niveau, v.code, v.annee, v.periode, v.ventilation, v.valeur, v.secret, v.statut,
        v.source,
        case
            when s.calcul = 'barometre' then 'calculee'
            when s.calcul = 'tiers' and not list_contains(s.publies_tels_quels, v.indicateur) then 'tiers'
            else 'publiee'
        end as methode,
        null::bigint as n_communes, null::bigint as n_communes_renseignees,
        1 as priorite
    from stg_valeurs as v
    inner join indicateurs as i using (indicateur)
    left join sources as s on s.source = v.source
    semi join int_perimetre as p on p.niveau = v.niveau and p.code = v.code
    where v.niveau <> 'commune' or i.agregation = 'aucune'
),

calculees as (
    select
        c.indicateur, c.niveau, c.code, c.annee, c.periode, c.ventilation, c.valeur, c.secret,
        'definitif' as statut, c.source,
        case  -- a commune's own count is the producer's figure; ratios and group values are computed here
            when c.niveau = 'commune' and i.agregation = 'somme' and s.calcul = 'tiers' then 'tiers'
            when c.niveau = 'commune' and i.agregation = 'somme' and coalesce(s.calcul, '') <> 'barometre'
                then 'publiee'
            else 'calculee'
        end as methode,
        c.n_communes, c.n_communes_renseignees, 2 as priorite
    from int_calculees as c
    inner join indicateurs as i using (indicateur)
    left join sources as s on s.source = c.source
),

unioned as (
    select * from publiees
    union all
    select * from calculees
),

deduplicated as (
    select * from unioned
    qualify row_number() over (
        partition by indicateur, niveau, code, annee, ventilation order by priorite
    ) = 1
),

final as (
    select
        d.indicateur,
        d.niveau,
        d.code,
        t.nom,
        d.annee,
        d.periode,
        d.ventilation,
        d.valeur,
        d.secret,
        d.statut,
        d.source,
        d.methode,
        d.n_communes,
        d.n_communes_renseignees,
        i.libelle,
        i.unite,
        i.sens,
        i.volet,
        i.theme,
        i.decimales
    from deduplicated as d
    inner join indicateurs as i using (indicateur)
    left join stg_territoires as t on t.niveau = d.niveau and t.code = d.code
)

select * from final
