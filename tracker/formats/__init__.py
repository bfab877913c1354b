"""Date formats for both languages: ISO dates only, so 03/04/2020 is never read as March or as April."""
