"""RQ jobs: fulfil a paid order (verify, claim, deliver, notify), the sweeper, notifications."""
