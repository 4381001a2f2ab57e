"""The Slack shell: turns Slack payloads into calls on `commands/`, enqueues jobs, posts outcomes.

No business rule lives here, and nothing here imports `workers/`: jobs are enqueued by name.
"""
