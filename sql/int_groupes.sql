-- int_groupes: the groups of communes over which values are computed: each commune alone, the EPCI,
-- and every zone of every zoning (INSEE or the agglomeration's own), over the followed EPCI's communes
-- only (int_perimetre): a zone that reaches beyond the agglomeration is computed over its part inside,
-- as its name on screen says ("15 des 20 communes"); a national file never makes France's groups computed.
-- Grain: one row per group (niveau, code) × member commune. Units: n_membres = communes in the group.
with suivies as (
    select code from int_perimetre where niveau = 'commune'
),

communes as (
    select 'commune' as niveau, code, code as commune from suivies
),

zones as (
    select zonage as niveau, zone as code, commune from stg_appartenances
    where commune in (select code from suivies)
),

unioned as (
    select * from communes
    union all
    select * from zones
),

final as (
    select
        niveau,
        code,
        commune,
        count(*) over (partition by niveau, code) as n_membres
    from unioned
)

select * from final
