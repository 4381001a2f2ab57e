"""The provisioning shell: RQ jobs that execute plans through backends behind ports.

Never imports Slack: outcomes are published to Redis and `bot/` posts them.
"""
