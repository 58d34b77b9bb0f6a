"""The archive of a Redis store: every event of every site, kept in PostgreSQL for years
(CONTRACT 6.3). schema.py: its tables; stream.py: the sites' streams read by a consumer
group; archiver.py: the task that moves events from one to the other."""
