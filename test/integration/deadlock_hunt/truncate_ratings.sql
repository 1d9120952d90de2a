/* hunt:truncate_ratings */ TRUNCATE reliability.ratings;
