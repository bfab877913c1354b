# The same ISO-only formats as English (tracker/formats/__init__.py says why).
from tracker.formats.en.formats import *  # noqa: F403

# Counts grouped by three with commas, as Chinese statistical tables print them (Django's own Chinese formats
# leave numbers ungrouped); only values passed through the `number` filter are grouped, never years or ids.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
