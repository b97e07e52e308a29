"""Values a user types, parsed once, and the clock: no storage, no I/O."""
