"""Reports and the derived classes: aggregation in SQLite, scoring in reports.models."""
