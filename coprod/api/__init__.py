"""The partner REST API (``/api/v1/``): tokens, problem details, idempotent POSTs, and the
business resources (titles, rights blocks, avails, agreements, issued statements).

Views are thin: reads go through the apps' selectors and permission functions, writes
through their services, exactly as the pages do.
"""
