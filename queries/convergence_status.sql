-- How complete the Steam mirror is per entity type: mirrored in full, stubs (known only by id), and when it was last swept.
SELECT entity, total, complete, stubs, pct_complete, last_sweep_at
FROM mart_steam_convergence
ORDER BY entity;
