"""When jobs run: calendar math, the built-in scheduler and its state, crontab lines, Airflow DAGs."""
