"""Files in and out: CSV/TSV/JSON/vCard import, exports, the iCalendar feed."""
