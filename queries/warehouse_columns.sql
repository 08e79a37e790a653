-- Every column of the warehouse's tables and views: its type and description.
SELECT table_name, column_name, data_type, comment AS description, column_index
FROM duckdb_columns()
WHERE schema_name = 'main' AND database_name = current_database()
ORDER BY table_name, column_index;
