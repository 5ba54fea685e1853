"""When jobs run: calendar math and the built-in scheduler with its state.

Also crontab lines and Airflow DAGs.
"""
