"""RQ jobs and the work they do: intake (the webhook), fulfil (a paid order), mail/ (every mail),
imports, refund jobs, the sweeper and its periodic checks, ledger/ (the books), the worker."""
