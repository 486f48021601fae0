-- int_perimetre: the territories the barometer follows (data/catalogue/territoire.toml): the EPCI, its
-- communes, the zone of every zoning that holds one of them, INSEE's whole bassins of those zones, the
-- département, the région and France. Whatever else the data files hold (a national file loaded as it
-- is published) is never listed, mapped or ranked by the pages.
-- Grain: one row per territory (niveau, code). Units: none (codes only); ordre = comparison order
-- (1 EPCI, 2 département, 3 région, 4 France; null for the communes and zones).
with suivi as (
    select * from territoire_suivi
),

communes as (
    select a.commune as code
    from stg_appartenances as a
    inner join suivi as s on s.niveau = 'epci' and a.zonage = 'epci' and a.zone = s.code
),

zones as (
    select distinct a.zonage as niveau, a.zone as code
    from stg_appartenances as a
    where a.commune in (select code from communes) and a.zonage <> 'epci'
),

final as (
    select t.niveau, t.code, null::integer as ordre
    from stg_territoires as t
    where t.niveau = 'commune' and t.code in (select code from communes)
    union all
    select t.niveau, t.code, null::integer as ordre
    from stg_territoires as t
    inner join zones as z
        on z.code = t.code and (z.niveau = t.niveau or z.niveau || '_insee' = t.niveau)
    union all
    select t.niveau, t.code, s.ordre
    from stg_territoires as t
    inner join suivi as s on s.niveau = t.niveau and s.code = t.code
    union all
    select t.niveau, t.code, 4 as ordre
    from stg_territoires as t
    where t.niveau = 'france'
)

select * from final
