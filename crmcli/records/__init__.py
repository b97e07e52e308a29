"""Services for each kind of record: typed input in, validated rows written through the store."""
