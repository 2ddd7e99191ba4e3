"""Domain rules: records, validation, deadlines. Plain Python — no Qt, no SQL, no network."""
