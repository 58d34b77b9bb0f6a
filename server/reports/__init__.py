"""Reports (CONTRACT 6.3): row.py defines their rows and counts them from visits."""
