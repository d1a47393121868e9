"""Talking to Auth0's Management API: the only part of bulkedit that goes online.

`connection` (domain, credentials, certificates), `client` (requests with retries and
rate limits), `pull` (users-export job -> file), `journal` (push's crash-safe state) and
`push` (chunks -> import jobs). Nothing here imports typer or rich.
"""
