"""The application: run_job and its Runner, pulls, preview and notifications.

clients.py is the one composition root that picks the Qualtrics API and the clock.
"""
