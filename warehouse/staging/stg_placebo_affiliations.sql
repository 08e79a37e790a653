-- grain: one row per affiliation of a Placebo player, as of a purchase or join
CREATE OR REPLACE VIEW stg_placebo_affiliations AS
SELECT event_id, event_type, product_id, occurred_at, user_id, position, org, level, joined_at
FROM lake_placebo_affiliations;
