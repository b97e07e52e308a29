"""The seeded demo database of `crm demo`, written through the same services as real commands."""
