"""The HTTP side of the REST API that no resource owns: keyset paging, validators, errors, links, the router.

Nothing here but `urls` knows about proposals or people; their resources live in their own apps.
"""
