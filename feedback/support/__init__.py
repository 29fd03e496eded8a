"""The support desk: conversations with buyers, the staff inbox, deadlines, CSAT and their metrics."""
