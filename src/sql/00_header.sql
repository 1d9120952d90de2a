-- reliability: exact, trigger-maintained reliability scores for GPU marketplace machines.
-- Assembled from src/sql/*.sql by the Makefile. Every object is schema-qualified so the
-- script (and every function body) behaves the same under any search_path.

\echo Use "CREATE EXTENSION reliability" to load this file. \quit
