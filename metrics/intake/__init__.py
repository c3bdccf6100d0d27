"""Reading, checking and writing outcome files (no HTTP, no Celery: the services call these).

``reader`` opens a CSV or XLSX safely and yields chunks of text cells; ``monthly``,
``incidents`` and ``trust`` turn those chunks into clean rows plus row-level problems;
``writer`` stages clean rows and merges them into the tables in one transaction.
"""
