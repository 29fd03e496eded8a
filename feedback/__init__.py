"""Reviews, invalid-code reports, support conversations, after-sale decisions and their metrics.

Empty for now: the after-sale issues fill it.
"""
