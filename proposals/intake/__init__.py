"""Intake: a news report read into reviewable drafts, each citing the exact words of the report.

`text` turns an upload or a paste into plain text (or refuses it), `sentences` cuts it with character offsets,
`names` finds the delegates and companies it names, `reading` puts the asks of each delegate together into
one draft per idea, and `writing` stores what the editor accepted, as drafts only.
"""
