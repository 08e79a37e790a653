-- One player's wealth after each of their events (trade-engine snapshots, Placebo purchases and joins), oldest first.
-- param: product (text) = trade-engine
-- param: player (text)
SELECT occurred_at, wealth
FROM mart_wealth_history
WHERE product_id = $product AND player_id = $player
ORDER BY occurred_at, event_id;
