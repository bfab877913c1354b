# The same ISO-only formats as English (tracker/formats/__init__.py says why).
from tracker.formats.en.formats import *  # noqa: F403
