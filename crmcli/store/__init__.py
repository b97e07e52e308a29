"""The database file: connections, the one unit of work that writes it (db.write), the schema
and its migrations, history, the search index, backups and encryption. Imports nothing above
it (records, reports, transfer, cli). Inside, the arrows go one way: files <- encryption <-
connection <- migrations <- db."""
