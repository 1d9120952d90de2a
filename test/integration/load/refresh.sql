-- The scheduled refresh: every cached row in one statement (locks all of them in machine order).
SELECT reliability.refresh();
