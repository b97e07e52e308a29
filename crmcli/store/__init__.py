"""The database file: connections, the schema and its migrations, history, the search index,
backups and encryption. Imports nothing above it (records, reports, transfer, cli)."""
