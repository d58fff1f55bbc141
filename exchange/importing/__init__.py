"""CSV import of incidents: read a file, map another tracker's columns onto ours, validate every
row, then write in bulk in one transaction.

Modules: ``mapping`` (the mapping
file format), ``reader`` (CSV → rows in our native columns), ``validation`` (rows → typed values
or per-cell errors), ``writer`` (the import service). See docs/import.md.
"""
