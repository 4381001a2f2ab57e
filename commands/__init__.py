"""The pure core of tobit-chatops: command language, roles, service rules and plans.

Standard library only: nothing here imports Slack, Redis or ldap3, and nothing does I/O.
"""
