"""After-sale: what buyers say and what staff decide.

reports (a code that does not work) -> report_list (the staff's list) -> decisions (replace, refund,
reject; replace.py makes the replacement) under policy and trust (limits, flagged buyers, batch
quarantine by quality); reviews (stars and text); support/ (conversations) and help/ (help center,
proactive notices); sweeps (deadlines, held reports). Feedback may use delivery, keystore, payments
and the core; nothing below imports it.
"""
