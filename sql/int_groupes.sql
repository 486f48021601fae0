-- int_groupes: the groups of communes over which values are computed: each commune alone, the EPCI,
-- and every zone of every zoning (INSEE or the agglomeration's own).
-- Grain: one row per group (niveau, code) × member commune. Units: n_membres = communes in the group.
with communes as (
    select niveau, code, code as commune from stg_territoires where niveau = 'commune'
),

zones as (
    select zonage as niveau, zone as code, commune from stg_appartenances
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
