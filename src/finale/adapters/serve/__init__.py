"""`finale serve`: HTTP receiver, SQLite outbox and the sender that drains it."""
