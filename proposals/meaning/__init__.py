"""By meaning: proposals compared by what they say, in either language, with a local embedding model.

`embedding.embed` is the one way text becomes vectors; `store` keeps each proposal's vector in the database;
`similar` answers "what reads like this?" for the pages, the API and the admin; `pairs` holds the
machine-suggested cross-year pairs editors confirm or dismiss. `chinese` cuts Chinese text for the search.
"""
