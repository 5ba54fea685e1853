"""The application: run_job and its Runner, pulls, preview, notifications; clients.py picks the API."""
