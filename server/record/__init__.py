"""A ticket's life kept for the reports: visit.py folds its events into one record."""
